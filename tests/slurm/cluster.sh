#!/usr/bin/env bash
# A real single-node Slurm cluster for tests, in a temporary folder; no systemd needed.
#
#   source tests/slurm/cluster.sh
#   slurm_start DIR      # munged, slurmctld and slurmd up, the node idle; exports SLURM_CONF
#   sbatch --wait …      # as on any cluster
#   slurm_stop           # slurmd, then slurmctld, then munged (also on EXIT, via a trap)
#
# Needs root (SlurmUser=root, munged run as user munge) and the Debian packages
# slurm-wlm and munge (packaging/install-deps.sh installs them; BK_WITH_SLURM=0 leaves them out).

slurm_log() { printf 'slurm: %s\n' "$*" >&2; }

slurm_start() {
  local dir=$1
  SLURM_DIR=$(mkdir -p "$dir" && cd "$dir" && pwd)
  mkdir -p "$SLURM_DIR"/{state,spool,log}
  # munge: a key, and the daemon run as its user.
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0755 /run/munge
  [[ -s /etc/munge/munge.key ]] || runuser -u munge -- mungekey -c -k /etc/munge/munge.key
  # A munged already serving (munge -n answers) is used as it is; else one is started,
  # as a daemon of user munge, and stopped again by slurm_stop.
  if ! munge -n </dev/null >/dev/null 2>&1; then
    runuser -u munge -- munged --force >"$SLURM_DIR/log/munged.log" 2>&1
    SLURM_MUNGED_PID=$(cat /run/munge/munged.pid)
  fi
  cat >"$SLURM_DIR/slurm.conf" <<CONF
ClusterName=bk
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=batch Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$SLURM_DIR/slurm.conf
  trap slurm_stop EXIT
  slurmctld -D -i >>"$SLURM_DIR/log/slurmctld.out" 2>&1 &
  SLURM_CTLD_PID=$!
  slurmd -D -N localhost >>"$SLURM_DIR/log/slurmd.out" 2>&1 &
  SLURM_D_PID=$!
  local i state=
  for ((i = 0; i < 120; ++i)); do
    state=$(sinfo -h -o %t 2>/dev/null | head -n1)
    [[ $state == idle ]] && return 0
    sleep 0.5
  done
  slurm_log "the node did not become idle in 60 s (state '${state:-none}'); logs in $SLURM_DIR/log"
  tail -n 20 "$SLURM_DIR"/log/*.log >&2 || true
  return 1
}

slurm_stop() {
  local pid
  for pid in ${SLURM_D_PID:-} ${SLURM_CTLD_PID:-}; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  if [[ -n ${SLURM_MUNGED_PID:-} ]]; then  # not our child: wait until it is gone
    kill "$SLURM_MUNGED_PID" 2>/dev/null
    for _ in {1..50}; do kill -0 "$SLURM_MUNGED_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  SLURM_D_PID= SLURM_CTLD_PID= SLURM_MUNGED_PID=
  return 0
}
