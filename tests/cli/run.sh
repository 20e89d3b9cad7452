#!/usr/bin/env bash
# Golden CLI tests.
#
#   tests/cli/run.sh BIN_DIR CASES_DIR [NAME...]
#
# CASES_DIR is either the root of the cases (CASES_DIR/<tool>/<case>/) or one tool's
# folder (CASES_DIR/<case>/). A case folder holds:
#   cmd                  one shell command line, run with bash in a temporary copy of
#                        the case folder, with BIN_DIR first on PATH, stdin /dev/null
#   stdout stderr status the expected output, messages and exit status (gold files)
#   xfail                optional: a known bug, one line naming it; the gold files hold
#                        the right behaviour, the case is reported but not failed until
#                        the bug is fixed (then it fails as XPASS: delete this file)
#   anything else        input files, copied into the temporary folder
#
# Each case runs four times: BK_THREADS=1 and 4 at the default block size (both must
# match the gold files), and BK_THREADS=1 and 4 with BK_BLOCK_BYTES=64 (many small
# blocks; these two must match each other): output must not depend on threads.
#
# NAME... limits the run to cases whose "<tool>/<case>" contains one of the NAMEs.
# UPDATE_GOLDEN=1 rewrites the gold files from the first run (xfail cases excepted).
# CLI_TIMEOUT (seconds, default 60) bounds each run; a hang fails the case.
#
# The last line is "N passed, M failed"; the exit status is 1 when any case failed.
set -u
export LC_ALL=C

if [ $# -lt 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
  echo "usage: $0 BIN_DIR CASES_DIR [NAME...]" >&2
  exit 2
fi
bin_dir=$(cd "$1" && pwd)
cases_dir=$(cd "$2" && pwd)
shift 2
filters=("$@")
timeout_s=${CLI_TIMEOUT:-60}
update=${UPDATE_GOLDEN:-0}

# Find the cases: CASES_DIR/<case>/cmd when CASES_DIR is one tool's folder, else
# CASES_DIR/<tool>/<case>/cmd. The glob sorts them (bytewise, LC_ALL=C).
shopt -s nullglob dotglob
cmds=("$cases_dir"/*/cmd)
[ ${#cmds[@]} -eq 0 ] && cmds=("$cases_dir"/*/*/cmd)
shopt -u dotglob
if [ ${#cmds[@]} -eq 0 ]; then
  echo "$0: no cases under $cases_dir" >&2
  exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/bk-cli.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT

# run_case CASE_DIR OUT_DIR VAR=VALUE... : runs the case's cmd in a fresh copy of its
# inputs, with a clean environment plus the given variables; leaves stdout, stderr
# and status in OUT_DIR.
run_case() {
  local case_dir=$1 out=$2
  shift 2
  local work="$scratch/work"
  rm -rf "$work" "$out"
  mkdir -p "$work" "$out"
  local f
  for f in "$case_dir"/* "$case_dir"/.[!.]*; do
    [ -e "$f" ] || continue
    case ${f##*/} in cmd | stdout | stderr | status | xfail) continue ;; esac
    cp -a "$f" "$work"/
  done
  local env_vars=(PATH="$bin_dir:$PATH" HOME="$work" TMPDIR="$work" LC_ALL=C TZ=UTC)
  local v
  for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    [ -n "${!v:-}" ] && env_vars+=("$v=${!v}")
  done
  (cd "$work" && exec env -i "${env_vars[@]}" "$@" \
     timeout -k 5 "$timeout_s" bash -c "$(cat "$case_dir/cmd")" cmd) \
    </dev/null >"$out/stdout" 2>"$out/stderr"
  local rc=$?
  [ $rc -eq 124 ] && echo "(timed out after ${timeout_s}s)" >>"$out/stderr"
  echo $rc >"$out/status"
  rm -rf "$work"
}

# same A B LABEL_A LABEL_B : compares two files, prints a diff when they differ.
same() {
  cmp -s "$1" "$2" && return 0
  if [ ! -e "$1" ]; then
    echo "    missing $1 (run with UPDATE_GOLDEN=1 to create it)"
  else
    diff -a -u --label "$3" --label "$4" "$1" "$2" | head -n 40 | sed 's/^/    /'
  fi
  return 1
}

passed=0 failed=0 xfailed=0
for cmd in "${cmds[@]}"; do
  case_dir=${cmd%/cmd}
  name=${case_dir#"$cases_dir"/}
  case $name in */*) ;; *) name="${cases_dir##*/}/$name" ;; esac
  if [ ${#filters[@]} -gt 0 ]; then
    match=0
    for f in "${filters[@]}"; do [[ $name == *"$f"* ]] && match=1; done
    [ $match -eq 1 ] || continue
  fi

  # Output must not depend on the thread count: -j1 and -j4 at the default block
  # size, and again with many tiny blocks (where more of the parallel paths run).
  # Types are decided per block, so the tiny-block runs are compared with each other.
  run_case "$case_dir" "$scratch/j1" BK_THREADS=1
  run_case "$case_dir" "$scratch/j4" BK_THREADS=4
  run_case "$case_dir" "$scratch/t1" BK_THREADS=1 BK_BLOCK_BYTES=64
  run_case "$case_dir" "$scratch/t4" BK_THREADS=4 BK_BLOCK_BYTES=64

  if [ "$update" = 1 ] && [ ! -e "$case_dir/xfail" ]; then
    for f in stdout stderr status; do
      cmp -s "$scratch/j1/$f" "$case_dir/$f" || cp "$scratch/j1/$f" "$case_dir/$f"
    done
  fi

  report=$(
    ok=0
    for f in stdout stderr status; do
      same "$case_dir/$f" "$scratch/j1/$f" "gold $f" "$f with BK_THREADS=1" || ok=1
    done
    for f in stdout stderr status; do
      same "$scratch/j1/$f" "$scratch/j4/$f" "$f with BK_THREADS=1" "$f with BK_THREADS=4" || ok=1
      same "$scratch/t1/$f" "$scratch/t4/$f" "$f with BK_THREADS=1 BK_BLOCK_BYTES=64" \
        "$f with BK_THREADS=4 BK_BLOCK_BYTES=64" || ok=1
    done
    exit $ok
  )
  result=$?
  if [ -e "$case_dir/xfail" ]; then
    if [ $result -eq 0 ]; then
      echo "XPASS $name: passes now; delete its xfail file ($(head -n 1 "$case_dir/xfail"))"
      failed=$((failed + 1))
    else
      echo "xfail $name: $(head -n 1 "$case_dir/xfail")"
      xfailed=$((xfailed + 1))
    fi
  elif [ $result -eq 0 ]; then
    echo "ok    $name"
    passed=$((passed + 1))
  else
    echo "FAIL  $name"
    echo "$report"
    failed=$((failed + 1))
  fi
done

[ $xfailed -gt 0 ] && echo "$xfailed expected failures (known bugs, see the xfail lines above)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
