#!/usr/bin/env bash
# Rolling mode: a paced stream through a pipe. Chunks are committed while the stream
# goes on (every second); SIGTERM commits the tail; counts show nothing lost. Then a
# row-based roll to the end of the input, and the end of input without a newline.
source "$(dirname "$0")/lib.sh"

rec() { printf '{"device":"m-%d","ts":"2026-03-01T00:%02d:%02dZ","value":%d}\n' $(($1 % 5)) $(($1 / 60 % 60)) $(($1 % 60)) "$1"; }

# 1. --roll 1s, 60 records over about 3 s, the writer keeping the pipe open; then SIGTERM.
# (Section 5 checks that SIGTERM commits records no timed commit took, with --roll 1h.)
mkfifo pipe
"$INGEST" -d ds --time ts --roll 1s --stats stats.json <pipe 2>err.txt &
ing=$!
exec 3>pipe
start=$(date +%s%N)
seen_at_1800=-1 seen_at_2800=-1
for ((i = 0; i < 60; i++)); do
  rec "$i" >&3
  sleep 0.05
  ms=$((($(date +%s%N) - start) / 1000000))
  if [ "$seen_at_1800" -lt 0 ] && [ "$ms" -ge 1800 ]; then seen_at_1800=$(files ds 2>/dev/null || echo 0); fi
  if [ "$seen_at_2800" -lt 0 ] && [ "$ms" -ge 2800 ]; then seen_at_2800=$(files ds 2>/dev/null || echo 0); fi
done
# Commits fall due 1 s and 2 s after bk-ingest starts (a little after `start`; more
# under load or sanitizers): checked with 0.8 s to spare.
[ "$seen_at_1800" -ge 1 ] && pass || fail "no chunk committed 1.8 s into the stream ($seen_at_1800)"
[ "$seen_at_2800" -ge 2 ] && pass || fail "fewer than 2 chunks 2.8 s into the stream ($seen_at_2800)"
rows_before_term=$(rows ds)
[ "$rows_before_term" -gt 0 ] && pass || fail "before SIGTERM: no record committed"
sleep 1  # let it read what is in the pipe (generously: sanitizers, a loaded machine)
kill -TERM "$ing"
wait "$ing"
check "SIGTERM: exit status" 0 $?
exec 3>&-
check "SIGTERM: every record committed" 60 "$(rows ds)"
check "SIGTERM: manifest rows" 60 "$(manifest_rows ds)"
check "SIGTERM: values" "$(seq 0 59)" "$("$CAT" ds --select value | sed 's/{"value":\(.*\)}/\1/' | sort -n)"
check "SIGTERM: stats" '{"read":60,"written":60,"rejected":0,"deduplicated":0,"filtered":0}' "$(counts stats.json)"
check "SIGTERM: verifies" 0 "$("$CAT" --verify ds >/dev/null 2>&1; echo $?)"
check "SIGTERM: time field" '"ts"' "$(python3 -c 'import json; print(json.dumps(json.load(open("ds/_manifest.json"))["time_field"]))')"

# 2. --roll 10 (rows): 35 records, then the end of input: 10 + 10 + 10 + 5.
for ((i = 0; i < 35; i++)); do rec "$i"; done | "$INGEST" -d ds2 --time ts --roll 10
check "rows roll: status" 0 $?
check "rows roll: chunks" "10 10 10 5" "$(python3 -c 'import json; print(" ".join(str(f["rows"]) for f in json.load(open("ds2/_manifest.json"))["files"]))')"

# 3. The last record without a newline, and a bad one set aside.
{ rec 1; echo '{"device":"m-x","ts":"not a time","value":2}'; printf '{"device":"m-y","ts":"2026-03-01T00:00:00Z","value":3}'; } |
  "$INGEST" -d ds3 --time ts --roll 1m --rejects bad.ndjson
check "tail: status" 0 $?
check "tail: rows" 2 "$(rows ds3)"
check "tail: rejects" 1 "$(wc -l <bad.ndjson)"
check "tail: reject line" 2 "$(python3 -c 'import json; print(json.loads(open("bad.ndjson").readline())["line"])')"

# 4. A second rolling writer of the same dataset fails fast with --no-wait.
mkfifo pipe2
"$INGEST" -d ds4 --roll 1s <pipe2 &
first=$!
exec 4>pipe2
rec 1 >&4
# The writer holds the lock once it has written its pid into it.
for ((i = 0; i < 100; i++)); do [ -s ds4/_lock ] && break; sleep 0.1; done
echo '{"a":1}' | "$INGEST" -d ds4 --no-wait 2>err4.txt
check "no-wait: status" 1 $?
check "no-wait: message" 1 "$(grep -c 'ds4 is being written by another process' err4.txt)"
# Without --no-wait the second run waits for the first, then commits.
echo '{"a":2}' >second.ndjson
"$INGEST" second.ndjson -d ds4 2>err4b.txt 4>&- &
second=$!
sleep 0.5
check "waiting: still waiting while the first writes" 1 "$(kill -0 "$second" 2>/dev/null && echo 1 || echo 0)"
exec 4>&-
wait "$first"
check "first writer: status" 0 $?
wait "$second"
check "waiting: second run status" 0 $?
check "waiting: both committed, the first writer's chunk first" "1 1" "$(python3 -c 'import json; print(" ".join(str(f["rows"]) for f in json.load(open("ds4/_manifest.json"))["files"]))')"
check "waiting: the rows, in commit order" '{"value":1,"a":null}
{"value":null,"a":2}' "$("$CAT" ds4 --select value,a)"

# 5. A record cut off by SIGTERM (no newline yet): the whole lines are committed, the
# cut one goes to the rejects file; without --rejects it is an error after the commit.
# --progress runs a progress thread: the signal must still reach the commit.
for mode in rejects plain; do
  rm -f pipe5 && mkfifo pipe5
  flags=(--progress)
  [ $mode == rejects ] && flags+=(--rejects cut.ndjson)
  "$INGEST" -d ds5$mode --time ts --roll 1h "${flags[@]}" <pipe5 2>err5.txt &
  pid=$!
  exec 5>pipe5
  rec 1 >&5; rec 2 >&5; printf '{"device":"m-1","ts":"2026-03-01T00:' >&5
  sleep 1  # let it read them (generously: sanitizers, a loaded machine)
  kill -TERM "$pid"
  wait "$pid"
  status=$?
  exec 5>&-
  check "cut ($mode): whole lines committed" 2 "$(rows ds5$mode)"
  if [ $mode == rejects ]; then
    check "cut (rejects): status" 0 "$status"
    check "cut (rejects): reason" 'cut off: the record was still being read when a signal ended the run (36 bytes, no newline yet)' \
      "$(python3 -c 'import json; print(json.loads(open("cut.ndjson").readline())["reason"])')"
  else
    check "cut (plain): status" 1 "$status"
    check "cut (plain): message" 1 "$(grep -c '<stdin>:3: cut off: the record was still being read' err5.txt)"
  fi
done

# 6. The event-time field of a dataset is fixed: a rolling run naming another fails.
echo '{"at":"2026-03-01T00:00:00Z"}' | "$INGEST" -d ds --time at --roll 1m 2>err6.txt
check "rolling time mismatch: status" 2 $?
check "rolling time mismatch: message" 1 "$(grep -c "the dataset ds has event time 'ts'" err6.txt)"
finish
