#!/usr/bin/env bash
# Checks that the HTML training report (trainer/report.h) renders in a real
# browser: headless Chromium.
#
#   bash tests/trainer/check_report_chromium.sh WRITE_SAMPLE_REPORT OUTDIR
#
# WRITE_SAMPLE_REPORT is the program built from write_sample_report.cpp
# (build/tests/write_sample_report); it writes OUTDIR/report.html, a report
# that uses every feature. Then
#   (1) `chromium --dump-dom` parses it; the DOM Chromium built must hold the
#       same <svg> charts, <polyline> series, markers, legend entries and
#       confusion-matrix cells as the file (a parse error, such as a tag left
#       open, moves or drops elements), each chart must be well-formed XML,
#       and the escaped strings must stay text (no <script> element appears);
#   (2) `chromium --screenshot` draws it to OUTDIR/report.png, which must be a
#       full-size image with the series colours and the confusion matrix's
#       dark cells in it (not a blank page). Open it to look at the report.
#
# Chromium is optional: the first of $NABLA_CHROMIUM, chromium,
# chromium-browser, google-chrome found is used. Without one (or with
# NABLA_CHROMIUM set to a path that is not a program, e.g. NABLA_CHROMIUM=none)
# the script prints SKIPPED and exits 77, which CTest reports as skipped.
# (Debian/Ubuntu: apt-get install chromium.) Python 3 (stdlib only) does
# the checks; without it the script skips too.
# Registered with CTest as `report_renders_in_chromium`.
set -euo pipefail

readonly SKIP=77
readonly WIDTH=1100 HEIGHT=4000  # the sample report fits in one 1100 x 4000 screenshot
readonly BROWSER_TIMEOUT_S=60

if [[ $# -ne 2 ]]; then
  echo "usage: $0 WRITE_SAMPLE_REPORT OUTDIR" >&2
  exit 2
fi
writer=$1
if [[ ! -x "$writer" ]]; then
  echo "$writer is not built: run \`cmake --build BUILD_DIR --target write_sample_report\` first" >&2
  exit 1
fi
mkdir -p "$2"
out=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
report="$out/report.html"

"$writer" "$report"

# ---- find the browser (and python3) -----------------------------------------
browser=""
if [[ -n "${NABLA_CHROMIUM:-}" ]]; then
  browser=$(command -v "$NABLA_CHROMIUM" || true)
  [[ -n "$browser" ]] || {
    echo "SKIPPED: NABLA_CHROMIUM=$NABLA_CHROMIUM is not a program"
    exit $SKIP
  }
else
  for name in chromium chromium-browser google-chrome; do
    browser=$(command -v "$name" || true)
    [[ -n "$browser" ]] && break
  done
  [[ -n "$browser" ]] || {
    echo "SKIPPED: chromium not installed (apt-get install chromium)"
    exit $SKIP
  }
fi
python=$(command -v "${NABLA_PYTHON:-python3}" || true)
[[ -n "$python" ]] || {
  echo "SKIPPED: python3 not found (the checks are written in Python)"
  exit $SKIP
}
echo "browser: $browser ($("$browser" --version 2>/dev/null | head -n 1))"

# ---- run it headless ----------------------------------------------------------
# --no-sandbox: Chromium's sandbox refuses to start as root (containers, CI).
# --disable-dev-shm-usage: a container's /dev/shm is often too small.
# A fresh profile per run, so runs side by side do not share one.
profile=$(mktemp -d "${TMPDIR:-/tmp}/nabla-chromium-profile.XXXXXX")
trap 'rm -rf "$profile"' EXIT
chromium() {
  timeout "$BROWSER_TIMEOUT_S" "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --no-default-browser-check --disable-extensions --mute-audio --hide-scrollbars \
    --user-data-dir="$profile" "$@" 2>>"$out/chromium.log"
}
: >"$out/chromium.log"
start=$(date +%s%N)
chromium --dump-dom "file://$report" >"$out/report.dom.html" || {
  echo "FAIL: chromium --dump-dom exited with status $? (124: timed out); log in $out/chromium.log:" >&2
  tail -n 20 "$out/chromium.log" >&2
  exit 1
}
rm -f "$out/report.png"
chromium --screenshot="$out/report.png" --window-size="$WIDTH,$HEIGHT" "file://$report" >/dev/null || {
  echo "FAIL: chromium --screenshot exited with status $? (124: timed out); log in $out/chromium.log:" >&2
  tail -n 20 "$out/chromium.log" >&2
  exit 1
}
echo "chromium: dump-dom + screenshot in $(( ($(date +%s%N) - start) / 1000000 )) ms"

# ---- check what it built and drew -------------------------------------------
"$python" "$here/check_report_render.py" "$report" "$out/report.dom.html" "$out/report.png" "$WIDTH" "$HEIGHT"
echo "screenshot: $out/report.png"
echo "report_renders_in_chromium: passed"
