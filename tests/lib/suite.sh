# What the test suites' scripts share, sourced by them.
#
#   suite_start USAGE TOOL BIN_DIR
# Checks that BIN_DIR holds TOOL (else prints "usage: SCRIPT USAGE" and exits 2) and
# that python3 is there; sets $bin (BIN_DIR, absolute) and $tmp (a fresh folder,
# removed at exit unless KEEP is set).
suite_start() {
  local usage=$1 tool=$2
  if [[ $# -lt 3 || ! -x $3/$tool ]]; then
    echo "usage: $0 $usage   (BIN_DIR holds $tool)" >&2
    exit 2
  fi
  bin=$(cd "$3" && pwd)
  command -v python3 >/dev/null || { echo "$0: python3 is needed (packaging/install-deps.sh)" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap '[[ -n ${KEEP:-} ]] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
}
