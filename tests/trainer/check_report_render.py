"""Checks what headless Chromium made of an HTML training report.

    python3 check_report_render.py REPORT.html DOM.html SCREENSHOT.png WIDTH HEIGHT

REPORT.html is the file trainer::write_html_report wrote, DOM.html what
`chromium --dump-dom` printed for it, SCREENSHOT.png what `chromium
--screenshot --window-size=WIDTH,HEIGHT` drew. Standard library only.
Run by check_report_chromium.sh; prints what it checked, exits 1 on a failure.
"""
import html.parser
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib
from collections import Counter

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)


# ---- the DOM ---------------------------------------------------------------
class Events(html.parser.HTMLParser):
    """The document as a list of (start, tag, attrs) / (end, tag) / (text, str).

    Entities are decoded, whitespace-only text is dropped and <tbody> (which
    the HTML parser adds to every table) is ignored, so a file and the DOM a
    browser serialises back give the same list when the browser parsed the
    file as it was written.
    """

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.events = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag != "tbody":
            self.events.append(("start", tag, tuple(sorted((k, v or "") for k, v in attrs))))

    def handle_endtag(self, tag):
        if tag != "tbody":
            self.events.append(("end", tag))

    def handle_data(self, data):
        if data.strip():
            self.events.append(("text", data.strip()))


def start_tags(events):
    return Counter(e[1] for e in events if e[0] == "start")


def with_class(events, tag, cls):
    return [e for e in events if e[0] == "start" and e[1] == tag and cls in dict(e[2]).get("class", "").split()]


def check_dom(report_text, dom_text):
    print("DOM (chromium --dump-dom) against the file:")
    src, dom = Events(report_text).events, Events(dom_text).events
    src_tags, dom_tags = start_tags(src), start_tags(dom)
    charts = with_class(src, "svg", "chart")
    series = with_class(src, "polyline", "series")
    print("  the file holds %d charts, %d series, %d markers, %d legend entries, %d table cells" %
          (len(charts), len(series), src_tags["circle"], len(with_class(src, "text", "legend-label")),
           src_tags["td"]))
    check(len(charts) >= 2 and len(series) >= len(charts), "the file has charts with series")
    for tag in ("svg", "polyline", "circle", "text", "rect", "line", "g", "table", "tr", "th", "td", "h1", "h2"):
        check(src_tags[tag] == dom_tags[tag],
              "<%s>: %d in the file, %d in the DOM" % (tag, src_tags[tag], dom_tags[tag]))
    # The escaped run configuration and class names stay text: no element
    # that the file does not hold appears in the DOM.
    check(dom_tags["script"] == 0 and dom_tags["b"] == 0, "no <script> or <b> element in the DOM")
    check(set(dom_tags) <= set(src_tags) | {"tbody"},
          "no element kinds the file lacks (extra: %s)" % sorted(set(dom_tags) - set(src_tags) - {"tbody"}))
    # Everything in order, with its attributes and text.
    first = next((i for i, (a, b) in enumerate(zip(src, dom)) if a != b), None)
    if first is None and len(src) != len(dom):
        first = min(len(src), len(dom))
    check(first is None, "same elements, attributes and text in the same order%s" %
          ("" if first is None else ": they differ at event %d, file %r, DOM %r" %
           (first, src[first] if first < len(src) else None, dom[first] if first < len(dom) else None)))
    for e in series:
        points = dict(e[2]).get("points", "").split()
        good = len(points) >= 2 and all(re.fullmatch(r"-?\d+(\.\d+)?,-?\d+(\.\d+)?", p) for p in points)
        check(good, "series %r: %d points, all numbers" % (dict(e[2]).get("data-series"), len(points)))
    check(len(with_class(src, "table", "confusion")) == 1, "one confusion-matrix table")
    # Each chart is also well-formed XML (an SVG file could be cut out of it).
    svgs = re.findall(r"<svg\b.*?</svg>", report_text, re.S)
    bad = []
    for i, svg in enumerate(svgs):
        try:
            ET.fromstring(svg)
        except ET.ParseError as err:
            bad.append("chart %d: %s" % (i, err))
    check(not bad, "all %d <svg> charts are well-formed XML%s" % (len(svgs), "".join("; " + b for b in bad)))
    return src


# ---- the screenshot ----------------------------------------------------------
def decode_png(path):
    """(width, height, rows): rows[y] is the bytes of row y, 3 or 4 per pixel.

    Only what Chromium writes: 8-bit RGB or RGBA, not interlaced.
    """
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    at, idat, header = 8, [], None
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        at += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError("PNG with depth %d, colour type %d, interlace %d: not decoded here" %
                         (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise ValueError("PNG data is %d bytes, expected %d" % (len(raw), height * (stride + 1)))
    rows, prev = [], bytes(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        # Undo the row filter (PNG spec 9.2). All-zero rows are common (flat
        # background) and cheap: None and Up give the row above or zeros.
        if kind == 0 or not any(line) and kind == 2:
            row = line if kind == 0 else prev
        else:
            row = bytearray(line)
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                if kind == 1:
                    row[i] = (row[i] + a) & 255
                elif kind == 2:
                    row[i] = (row[i] + b) & 255
                elif kind == 3:
                    row[i] = (row[i] + ((a + b) >> 1)) & 255
                else:
                    c = prev[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            row = bytes(row)
        rows.append(row)
        prev = row
    return width, height, bpp, rows


def check_screenshot(path, width, height, src):
    print("screenshot %s:" % path)
    w, h, bpp, rows = decode_png(path)
    check((w, h) == (width, height), "%d x %d pixels (window %d x %d)" % (w, h, width, height))
    colours = Counter()
    for row in rows:
        colours.update(row[i:i + 3] for i in range(0, len(row), bpp))
    print("  %d distinct colours; most common %s" %
          (len(colours), ", ".join("#%s x%d" % (c.hex(), n) for c, n in colours.most_common(3))))
    check(len(colours) > 50, "not a blank page: more than 50 colours")
    # The first two series colours: every chart's legend swatch, the lines
    # and the markers of the epoch charts.
    series_colours = []
    for e in with_class(src, "polyline", "series"):
        stroke = dict(e[2])["stroke"]
        if stroke not in series_colours:
            series_colours.append(stroke)
    for hexcolour in series_colours[:2]:
        n = colours[bytes.fromhex(hexcolour.lstrip("#"))]
        check(n >= 200, "series colour %s drawn: %d pixels" % (hexcolour, n))
    # Every confusion-matrix cell's background, down to the last table of the
    # page (so the window is tall enough for the whole report).
    backgrounds = set()
    for e in src:
        if e[0] == "start" and e[1] == "td":
            m = re.search(r"background:rgb\((\d+),(\d+),(\d+)\)", dict(e[2]).get("style", ""))
            if m:
                backgrounds.add(bytes(int(v) for v in m.groups()))
    missing = [b.hex() for b in sorted(backgrounds) if colours[b] < 200]
    check(backgrounds and not missing, "all %d confusion-cell colours drawn (missing: %s)" %
          (len(backgrounds), missing))


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    report, dom, png, width, height = sys.argv[1:]
    src = check_dom(open(report, encoding="utf-8").read(), open(dom, encoding="utf-8").read())
    try:
        check_screenshot(png, int(width), int(height), src)
    except (OSError, ValueError, zlib.error) as err:
        check(False, "the screenshot decodes: %s" % err)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
