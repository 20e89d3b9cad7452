#!/usr/bin/env bash
# Runs one example of examples/ end to end, as cron would, and checks it:
#   1. `make` on generated data, then `make check` (the result recomputed another way);
#   2. a second `make` does nothing (`make -q` says up to date);
#   3. a new inbox file: the next `make` ingests it and redoes the steps after, and the
#      check still holds (fleet: new data appear in new month partitions);
#   4. a failing step (bk-report made to fail once): the steps that succeeded before it
#      are not redone by the next `make`, which redoes the failed one (and what it
#      had not reached yet);
#   5. the crontab line's command, as cron would run it.
#
#   tests/examples/run.sh EXAMPLE BIN_DIR
set -euo pipefail
example=$1
bin=$(cd "$2" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bk-example-$example.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$root/examples/$example/." "$work/"
cd "$work"
export PATH="$bin:$PATH"
fail() { echo "FAIL ($example): $*" >&2; exit 1; }
step() { printf '\n== %s: %s\n' "$example" "$*"; }

# A bk that fails on `bk report` while $work/fail-report exists (the injected failure).
mkdir -p shim
cat >shim/bk <<SHIM
#!/usr/bin/env bash
if [[ \${1:-} == report && -e "$work/fail-report" ]]; then echo "bk report: injected failure" >&2; exit 1; fi
exec "$bin/bk" "\$@"
SHIM
chmod +x shim/bk
mk() { make --no-print-directory BK="$work/shim/bk" "$@"; }

step "first run"
mk
mk check

step "second run: nothing to do"
mk -q || fail "a second make would redo work: $(mk -n | head -5)"

step "a new inbox file"
python3 - "$example" <<'PY'
import glob, json, os, sys
# Another file with copies of the last file's records, moved one day on, as a later export.
from datetime import datetime, timedelta
src = sorted(glob.glob("data/inbox/*.ndjson"))[-1]
out = []
for line in open(src):
    r = json.loads(line)
    t = datetime.strptime(r["ts"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(days=40 if sys.argv[1] == "fleet" else 1)
    r["ts"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if sys.argv[1] == "bottling-plant":
        r["batch"] = r["batch"] + "-R"   # a rerun of the batch
    out.append(json.dumps(r, separators=(",", ":")))
open("data/inbox/zz-late.ndjson", "w").write("\n".join(out) + "\n")
PY
[[ -n $(mk -n) ]] || fail "make sees nothing to do after a new inbox file"
mk
mk check
mk -q || fail "not up to date after the new file"

step "a failing step is redone alone"
touch fail-report
sleep 1.1  # a newer mtime for what the next step reads
touch data/inbox/zz-late.ndjson
if mk >make.log 2>&1; then fail "make succeeded with bk report failing"; fi
grep -q "injected failure" make.log || fail "the failure was not bk report's: $(tail -5 make.log)"
rm fail-report
redo=$(mk -n)
grep -q "report" <<<"$redo" || fail "the failed report step is not redone"
# The steps that ran and succeeded before the failure are not run again.
while IFS= read -r done_step; do
  if grep -qxF -- "$done_step" <<<"$redo"; then fail "make would redo a step that succeeded: $done_step"; fi
done < <(grep -E "bk (ingest|join|aggregate|partition|cat) " make.log || true)
mk
mk check

step "the crontab line"
cmd=$(grep -v '^#' "$root/examples/cron/crontab" | grep . | head -1 | cut -d' ' -f6- | sed "s|cd /srv/water|cd $work|; s|BK=/usr/local/bin/bk|BK=$work/shim/bk|; s|>>log/cron.log|>>cron.log|")
mkdir -p log
bash -c "$cmd" || fail "the crontab command failed: $(tail -5 cron.log)"
echo "ok: $example"
