#!/usr/bin/env bash
# The Slurm example (examples/slurm/) on a real single-node Slurm cluster:
#   1. the water-billing bills on one machine (make);
#   2. the same scaled out: bk-partition into 4 shards, a job array of --partial runs,
#      a dependent --merge job and bk-report: bills and report byte for byte the same;
#   3. one shard's file damaged: that shard fails, so the run fails and no bills appear.
# Needs root and the Debian packages slurm-wlm and munge. Outside CI it skips (exit 77)
# where they are missing; in CI (CI=true) it fails instead.
#
#   tests/examples/slurm.sh BIN_DIR
set -euo pipefail
bin=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
skip() {
  if [[ ${CI:-} == true ]]; then echo "FAIL: $* (CI must run the Slurm test)" >&2; exit 1; fi
  echo "SKIP: $*" >&2
  exit 77
}
[[ $(id -u) == 0 ]] || skip "the Slurm test needs root (SlurmUser=root)"
command -v slurmctld >/dev/null && command -v munged >/dev/null || skip "slurm-wlm and munge are not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/bk-slurm.XXXXXX")
source "$root/tests/slurm/cluster.sh"
cleanup() { slurm_stop; rm -rf "$work"; }
trap cleanup EXIT
export PATH="$bin:$PATH"
fail() { echo "FAIL (slurm): $*" >&2; exit 1; }

echo "== one machine"
cp -r "$root/examples/water-billing" "$work/water-billing"
make --no-print-directory -C "$work/water-billing" out/bills.csv out/report.txt >"$work/make.log" 2>&1 \
  || { tail -20 "$work/make.log"; fail "the water-billing example failed"; }

echo "== the cluster"
slurm_start "$work/slurm"
# Shared storage: the test's own folder (one node sees it, as every node would).
shared="$work/shared"
run="$root/examples/slurm/run.sh"

echo "== scaled out: 4 shards"
"$run" "$work/water-billing/out/priced.bkc" "$shared" 4
cmp "$shared/bills.csv" "$work/water-billing/out/bills.csv" || fail "the merged bills differ from the single-machine bills"
cmp "$shared/report.txt" "$work/water-billing/out/report.txt" || fail "the reports differ"
n=$(ls "$shared"/partials/*.bkc | wc -l)
((n == 4)) || fail "$n partial files, not 4"
echo "ok: $(($(wc -l <"$shared/bills.csv") - 1)) bills from 4 shards equal the single-machine run byte for byte"

echo "== a shard that fails"
"$run" partition "$work/water-billing/out/priced.bkc" "$shared" 4
victim=$(ls "$shared"/shards/bucket=1/*.bkc | head -1)
truncate -s $(($(stat -c %s "$victim") / 2)) "$victim"
if "$run" submit "$shared" 4 2>"$work/submit.log"; then fail "the run succeeded with a damaged shard"; fi
cat "$work/submit.log"
grep -q "FAILED" "$work/submit.log" || fail "the failed shard is not reported"
[[ ! -e $shared/bills.csv ]] || fail "bills were written although a shard failed"
grep -qi "error" "$shared/logs/shard-1.log" || fail "shard 1's log does not say what failed"
echo "ok: a failing shard fails the run: $(grep -i error "$shared/logs/shard-1.log" | head -1)"
