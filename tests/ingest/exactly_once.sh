#!/usr/bin/env bash
# Exactly once: ingest a directory into a dataset, re-run (nothing again), add a file
# (only it), let a file grow (only its new lines), change one (refused, then skipped,
# then ingested again on request), copy one under a new name (same content: skipped).
# After each run the manifest and the data are checked.
source "$(dirname "$0")/lib.sh"

# gen PREFIX FROM COUNT: NDJSON readings with distinct ts and seq.
gen() {
  local i
  for ((i = $2; i < $2 + $3; i++)); do
    printf '{"device":"%s-%d","ts":"2026-03-01T%02d:%02d:00Z","value":%d.5,"seq":%d}\n' "$1" $((i % 7)) $((i / 60 % 24)) $((i % 60)) "$i" "$i"
  done
}
mkdir in
gen a 0 100 >in/a.ndjson
{ echo "device,ts,value,seq"; for ((i = 1000; i < 1050; i++)); do printf 'b-%d,2026-03-02T00:%02d:00+01:00,%d,%d\n' $((i % 3)) $((i % 60)) "$i" "$i"; done; } >in/b.csv

run() { "$INGEST" in/ -d ds --time ts --stats stats.json "$@" 2>err.txt; }
# stat_of KEY...: values from stats.json ("inputs.read" reaches into an object).
stat_of() {
  python3 -c '
import json, sys
d = json.load(open("stats.json"))
def get(k):
    v = d
    for part in k.split("."): v = v[part]
    return str(v)
print(" ".join(get(k) for k in sys.argv[1:]))' "$@"
}

# 1. First run: both files, one chunk, two ledger entries.
run; check "first run status" 0 $?
check "first run rows" 150 "$(rows ds)"
check "first run files" 1 "$(files ds)"
check "first run manifest rows" 150 "$(manifest_rows ds)"
check "first run stats" "150 150 0 2" "$(stat_of read written rejected inputs.read)"
check "first run ledger" "2 a.ndjson:100 b.csv:51" "$(python3 -c '
import json; m=json.load(open("ds/_manifest.json")); l=m["ledger"]
print(len(l), " ".join(e["path"].split("/")[-1]+":"+str(e["lines"]) for e in l))')"
check "first run chunk inputs and times" "2 2026-03-01T00:00:00Z 2026-03-01T23:59:00Z ts" "$(python3 -c '
import json; m=json.load(open("ds/_manifest.json")); f=m["files"][0]
print(len(f["inputs"]), f["min_time"], f["max_time"], m["time_field"])')"
check "first run verifies" 0 "$("$CAT" --verify ds >/dev/null 2>&1; echo $?)"
check "first run data" "$( (gen a 0 100 | "$CAT" --select seq; seq 1000 1049 | sed 's/.*/{"seq":&}/') | sort)" \
  "$("$CAT" ds --select seq | sort)"
check "ts typed" '{"ts":"2026-03-01T23:40:00Z"}' "$("$CAT" ds --where 'seq == 1000' --select ts)"

# 2. Re-run: nothing new.
run; check "re-run status" 0 $?
check "re-run rows" 150 "$(rows ds)"
check "re-run files" 1 "$(files ds)"
check "re-run stats" "0 0 2" "$(stat_of read written inputs.skipped)"

# 3. A new file: only it.
gen c 200 30 >in/c.ndjson
run; check "new file status" 0 $?
check "new file rows" 180 "$(rows ds)"
check "new file files" 2 "$(files ds)"
check "new file chunk inputs" "c.ndjson" "$(python3 -c '
import json; m=json.load(open("ds/_manifest.json")); print(" ".join(p.split("/")[-1] for p in m["files"][1]["inputs"]))')"

# 4. A file that grew: only its new lines, and a note.
gen a 100 10 >>in/a.ndjson
run; check "grown status" 0 $?
check "grown note" 1 "$(grep -c 'a.ndjson: grew by .* reading on from line 101' err.txt)"
check "grown rows" 190 "$(rows ds)"
check "grown data" "$(seq 0 109)" "$("$CAT" ds --where 'seq < 110' --select seq | sed 's/{"seq":\(.*\)}/\1/' | sort -n)"
check "grown ledger lines" 110 "$(python3 -c '
import json; m=json.load(open("ds/_manifest.json")); print([e["lines"] for e in m["ledger"] if e["path"].endswith("a.ndjson")][0])')"

# 5. A file that changed: refused, dataset untouched; then skipped; then ingested again.
sed -i 's/^b-0,/b-9,/' in/b.csv
run; check "changed status" 1 $?
check "changed message" 1 "$(grep -c 'b.csv: changed since it was ingested.*--on-changed skip' err.txt)"
check "changed rows untouched" 190 "$(rows ds)"
run --on-changed skip; check "changed skip status" 0 $?
check "changed skip rows" 190 "$(rows ds)"
run --on-changed ingest; check "changed ingest status" 0 $?
check "changed ingest rows" 240 "$(rows ds)"
check "changed ingest new values" 16 "$("$CAT" ds --where 'device == "b-9"' | wc -l)"
run; check "after changed ingest, nothing again" 240 "$(rows ds)"

# 6. The same content under another name: skipped with a note.
cp in/c.ndjson in/d.ndjson
run; check "copy status" 0 $?
check "copy note" 1 "$(grep -c 'd.ndjson: same content as .*c.ndjson' err.txt)"
check "copy rows" 240 "$(rows ds)"
check "final verify" 0 "$("$CAT" --verify ds >/dev/null 2>&1; echo $?)"

# 7. Touched, not changed: skipped, and its new modification time is kept (no rehash next time).
touch -d '2026-01-01 00:00:00' in/c.ndjson
run; check "touched status" 0 $?
check "touched rows" 240 "$(rows ds)"
check "touched ledger mtime" "$(stat -c %Y in/c.ndjson)" "$(python3 -c '
import json; m=json.load(open("ds/_manifest.json")); print([e["mtime_ns"] // 10**9 for e in m["ledger"] if e["path"].endswith("/c.ndjson")][0])')"

# 8. The same content twice in one run: read once.
mkdir in2
gen e 300 5 >in2/x.ndjson
cp in2/x.ndjson in2/y.ndjson
"$INGEST" in2/ -d ds2 2>err.txt
check "twins status" 0 $?
check "twins note" 1 "$(grep -c 'y.ndjson: same content as .*x.ndjson in this run; skipped' err.txt)"
check "twins rows" 5 "$(rows ds2)"

# 9. A file whose last line had no newline when it was ingested, then grew: its last
# record may have been cut short, so it is not read on from there (a changed file).
printf 'device,value\nm1,1.25\nm2,2.' >in3.csv
"$INGEST" in3.csv -d ds3 2>err.txt
check "unfinished line: first status" 0 $?
printf '75\nm3,3.5\n' >>in3.csv
"$INGEST" in3.csv -d ds3 2>err.txt
check "unfinished line: grown status" 1 $?
check "unfinished line: message" 1 "$(grep -c 'in3.csv: grew since it was ingested, and its last line then (line 3) had no newline yet' err.txt)"
"$INGEST" in3.csv -d ds3 --on-changed ingest 2>err.txt
check "unfinished line: ingest again" 5 "$(rows ds3)"

# 10. A chunk file that grew (segments concatenated): not line-based, so changed.
"$CAT" in/c.ndjson -O chunk -o c.bkc
"$INGEST" c.bkc -d ds4 2>err.txt
cat c.bkc >>c.bkc.more && cat c.bkc.more >>c.bkc
"$INGEST" c.bkc -d ds4 2>err.txt
check "grown chunk file: status" 1 $?
check "grown chunk file: message" 1 "$(grep -c 'c.bkc: grew since it was ingested, and it is not line-based' err.txt)"
check "grown chunk file: rows" 30 "$(rows ds4)"

# 11. A gzip file that grew by an appended member: read on from the next line.
mkdir gz
printf '{"x":1}\n{"x":2}\n' | gzip >gz/a.ndjson.gz
"$INGEST" gz/ -d ds5 2>err.txt
printf '{"x":3}\n' | gzip >>gz/a.ndjson.gz
"$INGEST" gz/ -d ds5 2>err.txt
check "grown gzip: status" 0 $?
check "grown gzip: note" 1 "$(grep -c 'a.ndjson.gz: grew by .* reading on from line 3' err.txt)"
check "grown gzip: rows" "1 2 3" "$("$CAT" ds5 | sed 's/{"x":\(.*\)}/\1/' | sort -n | tr '\n' ' ' | sed 's/ $//')"

# 12. An empty file, ingested, that then gets records (logrotate's new file): read on.
mkdir empty
: >empty/a.log
"$INGEST" empty/ -d ds6 -I ndjson 2>err.txt
check "empty then grown: first status" 0 $?
echo '{"x":1}' >>empty/a.log
"$INGEST" empty/ -d ds6 -I ndjson 2>err.txt
check "empty then grown: status" 0 $?
check "empty then grown: rows" 1 "$(rows ds6)"

# 13. A grown file named twice in one run (itself and its directory): read once.
mkdir tw
echo '{"x":1}' >tw/a.ndjson
"$INGEST" tw/a.ndjson -d ds7 2>err.txt
echo '{"x":2}' >>tw/a.ndjson
"$INGEST" tw/a.ndjson tw/ -d ds7 2>err.txt
check "grown twice named: status" 0 $?
check "grown twice named: rows" 2 "$(rows ds7)"
check "grown twice named: note" 1 "$(grep -c 'named twice; read once' err.txt)"

# 14. A dataset inside an input directory is not read as input (its own chunks again).
mkdir -p data
gen f 0 3 >data/a.ndjson
"$INGEST" data/ -d data/raw 2>err.txt
"$INGEST" data/ -d data/raw 2>err.txt
check "own dataset: status" 0 $?
check "own dataset: rows" 3 "$(rows data/raw)"
check "own dataset: note" 1 "$(grep -c 'left out 1 file of the dataset data/raw itself' err.txt)"
finish
