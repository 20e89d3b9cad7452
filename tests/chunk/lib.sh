# Shared by the chunk CLI tests: the bk-cat under test, a scratch directory, checks
# that count, and the closing "N passed, M failed" line.
# Usage (sourced): BIN_DIR is $1 of the test script.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

BIN=$(cd "${1:?usage: $0 BIN_DIR}" && pwd) || exit 2
CAT="$BIN/bk-cat"
[ -x "$CAT" ] || { echo "no bk-cat in $BIN" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bk-chunk-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
export BK_THREADS=${BK_THREADS:-2}

# check_file NAME EXPECTED_FILE ACTUAL_FILE: byte for byte
check_file() {
  if cmp -s "$2" "$3"; then
    pass
  else
    fail "$1: $2 and $3 differ: $(cmp "$2" "$3" 2>&1 | head -1)"
  fi
}

# check_text NAME EXPECTED_TEXT ACTUAL_FILE: the same for small text files, without
# a fork (the damage tests call it thousands of times). The file must hold no NUL.
check_text() {
  local text=""
  IFS= read -r -d '' text <"$3"
  if [ "$2" == "$text" ]; then pass; else fail "$1: expected [${2:0:400}], got [${text:0:400}]"; fi
}

# check_has NAME NEEDLE FILE (without a fork: the damage tests call it thousands of times)
check_has() {
  local text=""
  IFS= read -r -d '' text <"$3"
  if [[ $text == *"$2"* ]]; then pass; else fail "$1: [$2] not in [${text:0:400}]"; fi
}

# The little-endian unsigned integer of WIDTH bytes at OFFSET of FILE.
uint_at() { od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' \n'; }

# Lists the block frames of a one-segment chunk FILE: "offset end rows" per line.
blocks_of() {
  local f=$1 off=16 sl pl
  while [ "$(dd if="$f" bs=1 skip="$off" count=4 status=none)" == BKBL ]; do
    sl=$(uint_at "$f" $((off + 4)) 4)
    pl=$(uint_at "$f" $((off + 8)) 8)
    echo "$off $((off + 48 + sl + pl)) $(uint_at "$f" $((off + 24)) 8)"
    off=$((off + 48 + sl + pl))
  done
}
