# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""report.html in a real browser: Debian's headless Chromium.

- Nothing from elsewhere: the page carries a strict Content-Security-Policy
  (default-src 'none'; data: images; its one style sheet by hash), and
  Chromium runs without a network (its own empty network namespace when
  root, every host unresolvable, a dead proxy) while writing a net log of
  every request.  The report must make none; two control pages show that
  the log catches a page's requests and that the policy blocks them.
- Tables and figures render: a DOM dump after load has every table with
  the numbers of report.json, and in a full-page screenshot each figure's
  region is exactly its PNG, pixel for pixel, and not blank.
- Usable at laptop widths (1366 and 1024 px): no horizontal overflow of
  the page, no table or figure wider than the window.  Layout comes from a
  copy of the page with a small measuring script added (the report itself
  has no script and its policy forbids one).

Skipped with the reason when chromium or python3-pil is missing.
Run: /usr/bin/python3 -m pytest -q tests/scripts/test_report_browser.py
"""
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_report import load, run_report  # noqa: E402

CHROMIUM = shutil.which("chromium")
FIGURES = ("fig1-ports.png", "fig2-regions.png", "fig3-mirai-sources.png", "fig4-sensors.png")
WHITE = (255, 255, 255)

# Added to a copy of the page: the layout, as an attribute of <html> that
# --dump-dom shows.  Measured before it is written, so it changes nothing.
MEASURE = """<script>
window.addEventListener("load", function () {
  var d = document.documentElement, box = function (e) {
    var r = e.getBoundingClientRect();
    return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
            right: r.right + scrollX};
  };
  var out = {window: innerWidth, client: d.clientWidth, scroll: d.scrollWidth,
             height: d.scrollHeight, images: [], tables: []};
  document.querySelectorAll("img").forEach(function (im) {
    var b = box(im);
    b.complete = im.complete; b.nw = im.naturalWidth; b.nh = im.naturalHeight;
    out.images.push(b);
  });
  document.querySelectorAll("table").forEach(function (t) {
    var b = box(t);
    b.shown = t.offsetParent !== null;
    out.tables.push(b);
  });
  d.setAttribute("data-measure", JSON.stringify(out));
});
</script>
"""


@pytest.fixture(scope="module")
def pil():
    try:
        from PIL import Image, ImageChops
    except ImportError:
        pytest.skip("python3-pil not installed (apt-get install python3-pil)")
    return Image, ImageChops


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    base = tmp_path_factory.mktemp("chromium")
    runs = iter(range(1000))

    def run(url, *args):
        """Run headless Chromium on url; returns (stdout, net log requests
        the page made: [url])."""
        n = next(runs)
        netlog = str(base / f"net{n}.json")
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               f"--user-data-dir={base / f'profile{n}'}", "--no-first-run",
               "--hide-scrollbars", "--force-device-scale-factor=1",
               "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
               "--disable-background-networking", "--disable-component-update",
               f"--log-net-log={netlog}", *args, url]
        if os.geteuid() == 0 and shutil.which("unshare"):
            cmd = ["unshare", "--net", "--"] + cmd  # no interface at all, not even lo up
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        return p.stdout, page_requests(netlog)
    return run


def page_requests(netlog):
    """URLs the page asked the network for.  Chromium's own background
    requests (time, updates, dictionaries) have no page as initiator."""
    with open(netlog, encoding="utf-8") as f:
        log = json.load(f)
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [e["params"]["url"] for e in log["events"]
            if e["type"] == start and "url" in e.get("params", {})
            and e["params"].get("initiator") != "not an origin"]


@pytest.fixture(scope="module")
def page(quarter, tmp_path_factory):
    """The report of the 14-day synthetic quarter with every section filled."""
    series, answers = quarter
    out = str(tmp_path_factory.mktemp("browser-report"))
    run_report(["--from", "2026-04-01", "--to", "2026-04-14", "--top", "10",
                "--region-db", *answers["region_db"],
                "--known-scanners", answers["known_scanners_file"],
                "--sensor-location", "tokyo-1=JP", "--sensor-location", "osaka-1=US",
                "--out", out, series])
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        text = f.read()
    return out, text, load(out)


def variant(out, text, name, add="", csp=True):
    """A copy of the page next to it, with `add` before </body>, and without
    its policy unless csp."""
    if not csp:
        text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", text)
    path = os.path.join(out, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("</body>", add + "</body>"))
    return "file://" + path


def measure(browser, out, text, width, add=""):
    dom, requests = browser(variant(out, text, f"measure-{width}.html", MEASURE + add, csp=False),
                            f"--window-size={width},800", "--virtual-time-budget=10000",
                            "--dump-dom")
    m = re.search(r'data-measure="([^"]*)"', dom)
    assert m, dom[:500]
    return json.loads(html.unescape(m.group(1))), dom, requests


class Tables(html.parser.HTMLParser):
    """The text of every table cell of a DOM dump: [[[cell, ...], ...], ...]."""

    def __init__(self):
        super().__init__()
        self.tables, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_page_has_a_strict_policy(page):
    _, text, _ = page
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', text)
    assert policy.startswith("default-src 'none'; img-src data:; style-src 'sha256-")
    assert "unsafe" not in policy and "script-src" not in policy


@pytest.fixture(scope="module")
def rendered(browser, page):
    """The page's layout at 1366 px (from the measuring copy, whose own
    requests are logged too), and the real page's full-page screenshot with
    its net log: (layout, DOM dump, screenshot path, [requests of the copy,
    requests of the page])."""
    out, text, _ = page
    layout, dom, copy_requests = measure(browser, out, text, 1366)
    shot = os.path.join(out, "shot-1366.png")
    _, requests = browser("file://" + os.path.join(out, "report.html"),
                          f"--window-size=1366,{layout['height']}", f"--screenshot={shot}")
    return layout, dom, shot, [copy_requests, requests]


def test_loads_nothing_from_elsewhere(rendered):
    _, _, _, requests = rendered
    assert requests == [[], []]


EXTERNAL = ('<img src="http://example.invalid/a.png"><img src="http://192.0.2.7/b.png">'
            '<link rel="stylesheet" href="https://fonts.example.invalid/c.css">')


def test_controls_the_log_sees_requests_and_the_policy_stops_them(browser, page):
    out, text, _ = page
    _, requests = browser(variant(out, text, "control-open.html", EXTERNAL, csp=False),
                          "--window-size=1366,800", "--virtual-time-budget=10000", "--dump-dom")
    assert sorted(requests) == ["http://192.0.2.7/b.png", "http://example.invalid/a.png",
                                "https://fonts.example.invalid/c.css"]
    _, requests = browser(variant(out, text, "control-csp.html", EXTERNAL),
                          "--window-size=1366,800", "--virtual-time-budget=10000", "--dump-dom")
    assert requests == []


def test_tables_render_with_the_reports_numbers(page, rendered):
    _, text, r = page
    layout, dom, _, _ = rendered
    parser = Tables()
    parser.feed(dom)
    tables = parser.tables
    assert len(tables) == len(layout["tables"]) == text.count("<table>")
    t1 = tables[0]
    assert t1[0] == ["Rank", "Destination port", "Packets", "Share", "SYNs",
                     "Distinct sources", "Previous rank"]
    assert [row[1:3] for row in t1[1:]] == [[x["label"], f"{x['packets']:,}"]
                                            for x in r["top_ports"]]
    t2 = tables[1]
    assert [row[1:3] for row in t2[1:]] == [[x["cc"], f"{x['packets']:,}"]
                                            for x in r["top_regions"]]
    # Every table outside a closed <details> has a box with its rows in it.
    shown = [t for t in layout["tables"] if t["shown"]]
    assert len(shown) >= 8 and all(t["w"] > 100 and t["h"] > 40 for t in shown)


def test_figures_render_pixel_for_pixel(page, rendered, pil):
    """In the full-page screenshot each figure's box holds exactly its PNG,
    and that is not a blank image."""
    Image, ImageChops = pil
    out, _, _ = page
    layout, _, shot_path, _ = rendered
    shot = Image.open(shot_path).convert("RGB")
    assert shot.size == (1366, layout["height"])
    assert len(layout["images"]) == len(FIGURES)
    for name, box in zip(FIGURES, layout["images"]):
        assert box["complete"] and (box["nw"], box["nh"]) == (box["w"], box["h"]) == (1000, 480)
        ref = Image.open(os.path.join(out, name)).convert("RGB")
        x, y = round(box["x"]), round(box["y"])
        crop = shot.crop((x, y, x + 1000, y + 480))
        assert ImageChops.difference(crop, ref).getbbox() is None, name
        colours = crop.getcolors(1 << 20)
        ink = sum(n for n, c in colours if c != WHITE)
        assert len(colours) > 50 and ink > 0.03 * 1000 * 480, name


@pytest.mark.parametrize("width", [1366, 1024])
def test_usable_at_laptop_width(browser, page, rendered, width):
    out, text, _ = page
    layout = rendered[0] if width == 1366 else measure(browser, out, text, width)[0]
    assert layout["window"] == layout["client"] == width
    assert layout["scroll"] == width  # nothing sticks out to the right
    for b in layout["images"] + [t for t in layout["tables"] if t["shown"]]:
        assert b["x"] >= 0 and b["right"] <= width, b
    if width < 1000 + 32:  # the figures shrink to the column, keeping their shape
        for b in layout["images"]:
            assert b["w"] < 1000 and abs(b["h"] / b["w"] - 0.48) < 0.01


def test_control_overflow_is_seen(browser, page):
    """A page with a line too long for the window: the measure sees it."""
    out, text, _ = page
    layout, _, _ = measure(browser, out, text, 1366, add="<pre>" + "x" * 400 + "</pre>")
    assert layout["scroll"] > 1366
