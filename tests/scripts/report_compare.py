# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""report_compare.py - two darkscope-report outputs compared as results.

What may differ between two reports of the same data read differently
(from rollups or raw files, a directory given twice): the footer's reading
figures (files, rows, seconds), the directories, the time it was made,
the notes on rollups, and (where asked) the warnings.  Everything else -
report.json, report.md, report.html and the PNGs - must be equal.
"""
import json
import os
import re

READING_KEYS = ("files", "rows", "seconds", "seconds_total", "paths", "generated")
# Footer items that name how the data were read: a Markdown list line or
# an HTML list item each.
_READING = r"(?:Files read \(both periods\)|Series directories|Generated |Note: rollups of the )"
_WARNING = r"(?:Warning: |No warnings\.)"


def _drop_items(text, what):
    text = re.sub(r"(?m)^- " + what + r"[^\n]*\n", "", text)
    return re.sub(r"<li>" + what + r"[^<]*</li>\s*", "", text)


def load_json(out):
    with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
        return json.load(f)


def results(report, keep_warnings=True):
    """report.json without what depends on how the files were read."""
    r = json.loads(json.dumps(report))
    f = r["footer"]
    for k in READING_KEYS:
        f.pop(k, None)
    f["notes"] = [n for n in f["notes"] if not n.startswith("rollups of the ")]
    if not keep_warnings:
        f.pop("warnings")
    return r


def text_results(out, name, keep_warnings=True):
    with open(os.path.join(out, name), encoding="utf-8") as f:
        text = _drop_items(f.read(), _READING)
    return text if keep_warnings else _drop_items(text, _WARNING)


def assert_same_results(out_a, out_b, keep_warnings=True):
    """The two outputs give the same report."""
    a, b = load_json(out_a), load_json(out_b)
    assert results(a, keep_warnings) == results(b, keep_warnings)
    for name in ("report.md", "report.html"):
        assert text_results(out_a, name, keep_warnings) == \
            text_results(out_b, name, keep_warnings), name
    pngs = sorted(n for n in os.listdir(out_a) if n.endswith(".png"))
    assert pngs and pngs == sorted(n for n in os.listdir(out_b) if n.endswith(".png"))
    for name in pngs:
        with open(os.path.join(out_a, name), "rb") as fa, \
                open(os.path.join(out_b, name), "rb") as fb:
            assert fa.read() == fb.read(), name
