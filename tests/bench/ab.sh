#!/usr/bin/env bash
# A/B of two builds on one command, alternated run by run so that a change of load on
# the machine hits both alike: whole-process wall time, best and median of each, and
# new/old.
#
# usage: tests/bench/ab.sh OLD_BIN NEW_BIN ROUNDS TOOL ARG...
#   e.g. tests/bench/ab.sh /tmp/old/build/bin build/bin 10 bk-aggregate /tmp/w5.bkc \
#          -g 'device, month = substr(ts, 1, 7)' -a 'n = count(), s = sum(value)' -O csv -o /tmp/out.csv
set -euo pipefail
if [[ $# -lt 4 ]]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
old=$1 new=$2 rounds=$3 tool=$4
shift 4
for b in "$old" "$new"; do
  [[ -x $b/$tool ]] || { echo "ab.sh: no $tool in $b" >&2; exit 2; }
done
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
for ((i = 0; i < rounds; i++)); do
  echo "$(ms "$old/$tool" "$@") $(ms "$new/$tool" "$@")"
done | python3 -c '
import statistics as st, sys
r = [tuple(map(float, l.split())) for l in sys.stdin]
a, b = [x[0] for x in r], [x[1] for x in r]
print("old best %.0f median %.0f ms | new best %.0f median %.0f ms | new/old best %.2f median %.2f"
      % (min(a), st.median(a), min(b), st.median(b), min(b) / min(a), st.median(b) / st.median(a)))'
