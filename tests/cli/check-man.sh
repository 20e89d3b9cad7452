#!/usr/bin/env bash
# check-man.sh TOOL_DIR MAN_DIR
#
# Every flag a tool's --help prints must be documented in its man page, and every
# man page must render without warnings (STYLE.md: "a test fails when --help names
# a flag the man page does not").
#
# For each executable TOOL_DIR/bk-* (but the bk-bench-* helpers): MAN_DIR/bk-*.1 must exist, and every long flag
# (--select) and short flag (-O) in `bk-* --help` must occur in the page's source,
# read with troff's dash escapes (\-) turned into plain dashes. For each page
# MAN_DIR/*.[1-9]: `man --warnings -l` must succeed and print nothing on stderr.
# Prints one line per failure, then "N passed, M failed"; exits 1 if any failed.
set -u
export LC_ALL=C

if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
  echo "usage: check-man.sh TOOL_DIR MAN_DIR" >&2
  exit 2
fi
tool_dir=$1
man_dir=$2
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}

# A page's source as plain text: dashes unescaped, font changes and zero-width
# escapes removed, so `\fB\-\-select\fR` reads as ` --select `.
page_text() {
  sed -e 's/\\-/-/g' -e 's/\\(hy/-/g' -e 's/\\(mi/-/g' \
      -e 's/\\f\[[^]]*\]/ /g' -e 's/\\f([A-Za-z][A-Za-z]/ /g' -e 's/\\f[A-Za-z0-9]/ /g' \
      -e 's/\\[&%:|^]//g' "$1"
}

# The flags a help text names: --long-name, and -x where no letter or digit follows.
help_flags() {
  grep -oP '(?<![\w-])(--[A-Za-z][\w-]*|-[A-Za-z](?!\w))' | sort -u
}

# 1. Every flag of every tool is in the tool's page.
tools=0
for bin in "$tool_dir"/bk-*; do
  if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then continue; fi
  tool=$(basename "$bin")
  case $tool in
    bk-bench-*) continue ;;  # benchmark helpers (tests/bench), built beside the tools, never installed
  esac
  tools=$((tools + 1))
  page=$man_dir/$tool.1
  if [ ! -f "$page" ]; then
    fail "$tool: no man page $page"
    continue
  fi
  if ! help=$("$bin" --help 2>&1); then
    fail "$tool: '$tool --help' failed"
    continue
  fi
  text=$(page_text "$page")
  flags=$(help_flags <<<"$help")
  if [ -z "$flags" ]; then
    fail "$tool: found no flags in '$tool --help'"
    continue
  fi
  for flag in $flags; do
    if grep -qP -- "(?<![\\w-])$flag(?![\\w-])" <<<"$text"; then
      pass
    else
      fail "$tool: $flag is in '$tool --help' but not in $page"
    fi
  done
done
[ "$tools" -gt 0 ] || fail "no bk-* tools in $tool_dir"

# 2. Every page renders without warnings.
pages=0
for page in "$man_dir"/*.[1-9]; do
  [ -f "$page" ] || continue
  pages=$((pages + 1))
  if ! command -v man >/dev/null; then
    fail "$(basename "$page"): cannot render: man is not installed (apt-get install man-db groff-base)"
    continue
  fi
  if ! warnings=$(MANWIDTH=80 MANPAGER=cat man --warnings -l "$page" 2>&1 >/dev/null); then
    fail "$(basename "$page"): man -l failed: $warnings"
  elif [ -n "$warnings" ]; then
    fail "$(basename "$page"): man -l warns: $warnings"
  else
    pass
  fi
done
[ "$pages" -gt 0 ] || fail "no man pages in $man_dir"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
