#!/usr/bin/env bash
# The water-billing example scaled out on Slurm:
#   1. bk-partition splits the priced readings into SHARDS hash buckets of customer on
#      shared storage (every customer's readings in one bucket);
#   2. a job array runs bk-aggregate --partial on each bucket;
#   3. a dependent job (afterok) runs bk-aggregate --merge, then bk-report.
# The run fails when any shard fails: the merge job is then never run.
#
#   run.sh PRICED SHARED [SHARDS]       all three steps; waits for the end
#   run.sh partition PRICED SHARED [SHARDS]
#   run.sh submit SHARED [SHARDS]
#
# PRICED is water-billing's out/priced.bkc (make -C ../water-billing out/priced.bkc);
# SHARED a directory every node sees. bk must be on the nodes' PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

partition() {
  local priced=$1 shared=$2 shards=${3:-4}
  rm -rf "$shared/shards" "$shared/partials" "$shared/bills.csv" "$shared/report.txt"
  mkdir -p "$shared"
  bk partition "$priced" --by "hash:customer:$shards" -d "$shared/shards"
}

# The state of job $1 (every task of an array); slurmctld keeps ended jobs a while.
states() { scontrol show job "$1" -o | grep -o 'JobState=[A-Z_]*' | sort -u | sed 's/JobState=//'; }

submit() {
  local shared=$1 shards=${2:-4}
  shared=$(cd "$shared" && pwd)
  mkdir -p "$shared/logs"
  local env="ALL,EXAMPLE=$here,SHARED=$shared,SHARDS=$shards"
  local array merge
  array=$(sbatch --parsable --export="$env" --array="0-$((shards - 1))" -o "$shared/logs/shard-%a.log" \
    "$here/shard.sbatch")
  # --wait returns when the merge ends, or when it is cancelled because a shard failed.
  merge=$(sbatch --parsable --wait --export="$env" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    -o "$shared/logs/merge.log" "$here/merge.sbatch") || true
  local a m
  a=$(states "$array" | tr '\n' ' ')
  m=$(states "$merge" | tr '\n' ' ')
  echo "slurm: shards ($array): $a; merge ($merge): $m" >&2
  if [[ $a != "COMPLETED " || $m != "COMPLETED " ]]; then
    echo "slurm: the run failed; see $shared/logs/" >&2
    return 1
  fi
  echo "slurm: bills in $shared/bills.csv, report in $shared/report.txt" >&2
}

case ${1:-} in
  partition) shift; partition "$@" ;;
  submit) shift; submit "$@" ;;
  ""|-h|--help) sed -n '2,16p' "$0"; exit 2 ;;
  *) partition "$@"; submit "$2" "${3:-4}" ;;
esac
