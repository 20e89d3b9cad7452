#!/usr/bin/env bash
# Crash consistency: kill -9 bk-ingest at random moments of a large ingest into a
# dataset that already holds data, KILLS times (default 24). After every kill the
# dataset verifies (bk-cat --verify) and holds either the old records or the old and
# all the new ones, never part; a re-run then completes it exactly once.
source "$(dirname "$0")/lib.sh"
kills=${KILLS:-24}
[ -x "$GEN" ] || { echo "no $GEN" >&2; exit 2; }

"$GEN" 1000000 big.ndjson devices.ndjson >/dev/null
mkdir -p small
head -n 1000 big.ndjson >small/old.ndjson
"$INGEST" small/ -d base --time ts || exit 1
old=$(rows base)
check "base rows" 1000 "$old"
# The whole run, timed, to spread the kills over it (and a little past its end).
cp -a base timing
start=$(date +%s%N)
"$INGEST" big.ndjson -d timing --time ts || exit 1
full_ms=$((($(date +%s%N) - start) / 1000000))
new=$((old + 1000000))
check "full run rows" "$new" "$(rows timing)"
echo "full run: ${full_ms} ms; killing at random moments in 0..$((full_ms * 12 / 10)) ms"

# The rows `bk-cat --verify DATASET` counted (its last line: "ds: ok (1 file, N rows, ...").
verified_rows() { sed -n 's/^ds: ok ([0-9]* files*, \([0-9]*\) rows*,.*/\1/p' "$1"; }

olds=0 news=0
for ((k = 1; k <= kills; k++)); do
  rm -rf ds && cp -a base ds
  delay_ms=$((RANDOM % (full_ms * 12 / 10 + 1)))
  "$INGEST" big.ndjson -d ds --time ts 2>/dev/null &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if ! "$CAT" --verify ds >verify.out 2>&1; then
    fail "kill $k at ${delay_ms} ms: the dataset does not verify: $(head -3 verify.out)"
    continue
  fi
  n=$(verified_rows verify.out)
  m=$(manifest_rows ds)
  if [ "$n" == "$old" ] && [ "$m" == "$old" ]; then
    olds=$((olds + 1)); pass
  elif [ "$n" == "$new" ] && [ "$m" == "$new" ]; then
    news=$((news + 1)); pass
  else
    fail "kill $k at ${delay_ms} ms: $n rows read, $m in the manifest; expected $old or $new"
  fi
  # No temporary file is ever visible to readers; the next writer clears leftovers.
  "$INGEST" big.ndjson -d ds --time ts 2>/dev/null
  "$CAT" --verify ds >verify.out 2>&1
  check "kill $k: re-run completes exactly once" "$new" "$(verified_rows verify.out)"
  check "kill $k: no leftovers after the re-run" "" "$(find ds -name '.*' -type f | head -1)"
done
echo "after $kills kills: $olds held the old state, $news the new one"
finish
