#!/usr/bin/env bash
# Crash consistency: kill -9 bk-partition at random moments of a large run into a
# directory that already holds partitions, KILLS times (default 10), and as many
# times while it runs the same inputs again. After every kill:
#   * the directory verifies (bk-cat --verify) and holds the old records, or the old
#     and all the new ones, never part of them;
#   * no half-written file is visible: every data file outside a '.' folder, listed
#     in the manifest or not, reads whole (bk-cat FILE);
# and a re-run then completes it exactly once and leaves nothing temporary behind.
#
#   tests/partition/crash.sh BIN_DIR
source "$(dirname "$0")/../lib/checks.sh"
BIN=$(cd "${1:?usage: $0 BIN_DIR}" && pwd) || exit 2
PART="$BIN/bk-partition" CAT="$BIN/bk-cat" GEN="$BIN/bk-bench-gen"
for t in "$PART" "$CAT" "$GEN"; do [ -x "$t" ] || { echo "no $t" >&2; exit 2; }; done
kills=${KILLS:-10}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bk-partition-crash.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

by=(--by time:ts:month --by hash:device:16)
rows() { "$CAT" "$1" | wc -l | tr -d ' '; }
manifest_rows() {
  python3 -c 'import json,sys; print(sum(f["rows"] for f in json.load(open(sys.argv[1]+"/_manifest.json"))["files"]))' "$1"
}
# Every data file a reader could come upon (not under a '.' name) reads to its end.
whole_files() {
  local f bad=0
  while IFS= read -r f; do
    "$CAT" "$f" >/dev/null 2>&1 || { echo "half-written: $f" >&2; bad=1; }
  done < <(find "$1" -path '*/.*' -prune -o -type f -name 'part-*' -print)
  return $bad
}
# kill_during STATE: copies STATE to ds, runs the big partitioning there and kills it
# with SIGKILL after a random delay; then checks ds as the header says.
kill_during() {
  local k=$1 state=$2 want_a=$3 want_b=$4
  rm -rf ds && cp -a "$state" ds
  local delay_ms=$((RANDOM % (full_ms * 12 / 10 + 1)))
  "$PART" big.ndjson "${by[@]}" -d ds 2>/dev/null &
  local pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if ! "$CAT" --verify ds >verify.out 2>verify.err; then
    fail "$state, kill $k at ${delay_ms} ms: the directory does not verify: $(head -3 verify.err)"
    return
  fi
  local n m
  n=$(rows ds) m=$(manifest_rows ds)
  if [ "$n" == "$m" ] && { [ "$n" == "$want_a" ] || [ "$n" == "$want_b" ]; }; then
    pass
  else
    fail "$state, kill $k at ${delay_ms} ms: $n rows read, $m in the manifest; expected $want_a or $want_b"
  fi
  whole_files ds && pass || fail "$state, kill $k: a half-written file is visible"
  # The next run clears what the killed one left, and completes the work once.
  "$PART" big.ndjson "${by[@]}" -d ds 2>/dev/null
  "$CAT" --verify ds >verify.out 2>verify.err
  check "$state, kill $k: re-run completes exactly once" "$new" "$(rows ds)"
  check "$state, kill $k: nothing temporary left" "" "$(find ds -name '.*' | head -1)"
  check "$state, kill $k: no orphans" "" "$(cat verify.err)"
}

"$GEN" 200000 big.ndjson devices.ndjson >/dev/null
head -n 1000 big.ndjson >old.ndjson
"$PART" old.ndjson "${by[@]}" -d base || exit 1
old=$(rows base)
check "base rows" 1000 "$old"
# The whole run, timed, to spread the kills over it (and a little past its end).
cp -a base full
start=$(date +%s%N)
"$PART" big.ndjson "${by[@]}" -d full || exit 1
full_ms=$((($(date +%s%N) - start) / 1000000))
new=$((old + 200000))
check "full run rows" "$new" "$(rows full)"
echo "full run: ${full_ms} ms; killing at random moments in 0..$((full_ms * 12 / 10)) ms"

for ((k = 1; k <= kills; k++)); do kill_during "$k" base "$old" "$new"; done
# Killed while running the same inputs again: the files are the same bytes, so the
# directory holds all the records whenever the kill comes.
for ((k = 1; k <= kills; k++)); do kill_during "$k" full "$new" "$new"; done
finish
