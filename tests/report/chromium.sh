#!/usr/bin/env bash
# bk-report's HTML page in a real browser: headless Chromium opens a report made from
# bk-aggregate's output and
#   - logs no console message (the page has no scripts; any message is an error),
#   - has, after rendering, each chart's <svg> with the right number of marks
#     (points, lines, bars) and the right kind of x axis,
#   - paints the charts: the screenshot holds the palette's first two colours;
# the screenshot and the page are kept as test artifacts in ARTIFACT_DIR
# (report.png, report.html).
#
#   tests/report/chromium.sh BIN_DIR ARTIFACT_DIR
#
# Without Chromium the test is skipped (exit 77, which ctest reports as skipped),
# except in CI (CI=true), where Chromium is installed by packaging/install-deps.sh and
# its absence fails the test.
set -u
export LC_ALL=C
bin_dir=$1
artifacts=$2
# shellcheck source=../lib/checks.sh
source "$(dirname "$0")/../lib/checks.sh"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: chromium is not installed, and CI must run this test (packaging/install-deps.sh installs it)"
    exit 1
  fi
  echo "SKIP: chromium is not installed (apt-get install chromium, or packaging/install-deps.sh); the HTML report is not checked in a browser"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bk-report-chromium.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
export PATH="$bin_dir:$PATH"

# 3 regions x 6 months of readings, two readings a month each.
python3 - >"$work/readings.ndjson" <<'PY'
import json
for r, region in enumerate(["north", "south", "east & <west>"]):
    for m in range(1, 7):
        for k in range(2):
            print(json.dumps({"region": region, "ts": f"2026-{m:02d}-{10 + k:02d}T12:00:00Z",
                              "kwh": round(1.5 * (r + 1) + m * 0.25 + k * 0.125, 3), "bill": round(0.3 * (r + 1) * m, 2)}))
PY
bk-aggregate "$work/readings.ndjson" -g 'region, month = substr(ts, 1, 7)' \
  -a 'kwh = sum(kwh), bill = sum(bill)' >"$work/monthly.ndjson" || fail "bk-aggregate failed"
bk-report "$work/monthly.ndjson" -f html --title 'Consumption & bills, H1 2026' --total kwh,bill \
  --chart line:x=month,y=kwh,series=region --chart bar:x=month,y=bill,series=region \
  -o "$work/report.html" || fail "bk-report failed"
cp "$work/report.html" "$artifacts/report.html"

run_browser() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0 "$@" "file://$work/report.html"
}

# 1. The rendered DOM, and what the browser logged while rendering it.
run_browser --dump-dom >"$work/dom.html" 2>"$work/console.txt" || fail "chromium --dump-dom failed: $(tail -n 3 "$work/console.txt")"
check "console messages" "" "$(grep ':CONSOLE' "$work/console.txt")"
check "charts" 2 "$(grep -c '<svg' "$work/dom.html")"
check "line chart" 'data-chart="line" data-marks="18" data-axis="time"' \
  "$(grep -o 'data-chart="line" data-marks="[0-9]*" data-axis="[a-z]*"' "$work/dom.html")"
check "bar chart" 'data-chart="bar" data-marks="18" data-axis="category"' \
  "$(grep -o 'data-chart="bar" data-marks="[0-9]*" data-axis="[a-z]*"' "$work/dom.html")"
check "points" 18 "$(grep -o 'data-mark="point"' "$work/dom.html" | wc -l)"
check "lines, one per region" 3 "$(grep -o 'data-mark="line"' "$work/dom.html" | wc -l)"
check "bars" 18 "$(grep -o 'data-mark="bar"' "$work/dom.html" | wc -l)"
check "legend entries" 6 "$(grep -o 'data-legend="1"' "$work/dom.html" | wc -l)"
check "escaped series name" 2 "$(grep -o 'east &amp; &lt;west&gt;</text>' "$work/dom.html" | wc -l)"
check "month ticks" "2026-01 2026-02 2026-03 2026-04 2026-05 2026-06" \
  "$(awk '/<svg/{n++} n==1' "$work/dom.html" | grep -o '>2026-0[0-9]</text>' | sort -u | tr -d '<>/text' | tr '\n' ' ' | sed 's/ $//')"
check "table rows (18 and the total)" 19 "$(sed -n '/<tbody>/,/<\/tbody>/p' "$work/dom.html" | grep -c '<tr')"

# 2. The screenshot: the charts are painted in the palette's colours.
run_browser --screenshot="$work/report.png" --window-size=1000,2400 >/dev/null 2>"$work/shot.txt" ||
  fail "chromium --screenshot failed: $(tail -n 3 "$work/shot.txt")"
cp "$work/report.png" "$artifacts/report.png" 2>/dev/null || fail "no screenshot"
colours=$(python3 - "$work/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR": ihdr = struct.unpack(">IIBBBBB", body)
    if kind == b"IDAT": idat += body
    pos += 12 + n
w, h, depth, ctype = ihdr[:4]
assert depth == 8 and ctype in (2, 6), f"unexpected PNG type {depth}/{ctype}"
bpp = 3 if ctype == 2 else 4
raw, stride, prev, counts = zlib.decompress(idat), w * bpp, bytearray(w * bpp), {"0072b2": 0, "e69f00": 0}
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        key = "%02x%02x%02x" % tuple(line[x:x + 3])
        if key in counts: counts[key] += 1
    prev = line
print(" ".join("%s:%s" % (k, "yes" if v > 500 else "no (%d px)" % v) for k, v in sorted(counts.items())))
PY
)
check "painted colours" "0072b2:yes e69f00:yes" "$colours"
echo "artifacts: $artifacts/report.png, $artifacts/report.html"
finish
