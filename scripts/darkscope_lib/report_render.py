# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Text of darkscope-report: Markdown and self-contained HTML.

blocks(report, figures) lays the report dict (report_data.build_report) out as a list
of blocks: ("h1"|"h2"|"h3", text), ("p", text), ("table", header, rows,
align), ("figure", file, title), ("list", items), ("details", summary,
blocks).  to_markdown() and to_html() write the same blocks: Markdown links
the PNG files next to it; HTML embeds every PNG as a data: URI and loads
nothing from anywhere else (no scripts, fonts, style sheets or links).
"""
import base64
import hashlib
import html
import os

from .report_period import duration_text

MIRAI_NOTE = ("Mirai signature: a TCP SYN whose sequence number equals the destination "
              "IPv4 address, as Mirai's scanner sends it.")


PREVIOUS_NOTE = ("Previous rank: the rank in the previous period when within the top 10 (top N "
                 "for --top N > 10); \"out of top 10\" = it had packets then but ranked lower; "
                 "\"new\" = no packets {what} then; \"–\" = no previous-period data.")


def _n(x):
    return f"{x:,}"


def _pct(x):
    return f"{x:.2f} %"


def _prev(cell):
    if cell is None:
        return "–"
    return str(cell)


def _region_name(cc):
    return cc


def _units(p):
    """(the bin in words, its plural, a table header for one bin): ("day",
    "days", "Day"), ("hour", "hours", "Hour (UTC)"), ("5 minutes", "bins", "Bin (UTC)")."""
    unit = p["bin_unit"]
    if unit == "day":
        return unit, "days", "Day"
    if unit.isalpha():
        return unit, unit + "s", unit.capitalize() + " (UTC)"
    return unit, "bins", "Bin (UTC)"


def period_text(p):
    """'2026-04-01 00:00 to 2026-06-30 24:00 UTC (91 days)', or for a period
    given by times '2026-04-01T09:00Z to 2026-04-01T12:00Z (3 hours, the end excluded)'."""
    if p["whole_days"]:
        return f"{p['from']} 00:00 to {p['to']} 24:00 UTC ({duration_text(p['seconds'])})"
    return f"{p['from']} to {p['to']} ({duration_text(p['seconds'])}, the end excluded)"


def previous_text(prev, note=""):
    """'2026-01-01 to 2026-03-31 (the previous calendar quarter, ...)', with
    note added in the parentheses."""
    inside = "; ".join(x for x in (prev.get("rule_text"), note) if x)
    return f"{prev['from']} to {prev['to']}" + (f" ({inside})" if inside else "")


def bin_text(p):
    """The footer's words on the figures' bin."""
    unit, _, _ = _units(p)
    why = ("from the period's length: a day for periods over a week, an hour up to a week, "
           "a minute up to 6 hours, a second up to 10 minutes, never finer than the "
           "sensors' interval")
    iv = p["interval"]
    return (f"Figures and per-{unit} tables: one value per {unit} (UTC), {p['bins']} in the "
            f"period; the bin comes {why}" + (f" ({iv} s)" if iv else "") + ".")


def blocks(report, figures):
    b = []
    p = report["period"]
    o = report["options"]
    t = report["totals"]
    n = o["top"]
    fig = {name: title for name, title in figures}
    names = [name for name, _ in figures]
    prev = report["previous"]
    f = report["footer"]
    b.append(("h1", f"darkscope telescope report, {p['from']} to {p['to']}"))
    sensors = ", ".join(f["sensors"]) or "none"
    unit, units, unit_header = _units(p)
    intro = f"Period: {period_text(p)}. Sensors: {sensors}. "
    if prev:
        note = "" if prev["has_data"] else "no data: no previous ranks"
        intro += f"Previous period, for the ranks: {previous_text(prev, note)}."
    else:
        intro += "No previous period."
    b.append(("p", intro))
    if not report["has_data"]:
        end = "both days included" if p["whole_days"] else "the end excluded"
        b.append(("p", f"**No data**: the series hold no rows between {p['from']} and {p['to']} "
                       f"(UTC, {end}). Check the dates and the directories; the "
                       "tables below are empty."))
    else:
        b.append(("p", f"{_n(t['packets'])} packets to {_n(t['ports'])} destination ports "
                       f"({_n(t['syn'])} TCP SYNs, {_n(t['mirai'])} of them with the Mirai signature) "
                       f"from {_n(t['sources'])} distinct source IPs in {_n(t['regions'])} regions."))
    if o["exclude_known"]:
        ks = report["known_scanners"]
        b.append(("p", f"Known scanners ({_n(ks['packets'])} packets, {_pct(ks['share'])}) are "
                       "excluded from all tables and figures except their own table."))

    # 1. Ports
    b.append(("h2", f"1. Top {n} destination ports"))
    b.append(("p", "Table 1: destination ports by packets (TCP, UDP and ICMP together; ICMP "
                   "as type/ICMP), with the rank in the previous period."))
    rows = [[str(r["rank"]), r["label"], _n(r["packets"]), _pct(r["share"]), _n(r["syn"]),
             _n(r["sources"]), _prev(r["previous_rank"])] for r in report["top_ports"]]
    b.append(("table", ["Rank", "Destination port", "Packets", "Share", "SYNs",
                        "Distinct sources", "Previous rank"], rows, "rlrrrrr"))
    b.append(("p", "Service names from the system's services database (IANA registry); a "
                   "name does not mean the packets followed that protocol. Share: of all "
                   "packets in the period. " + PREVIOUS_NOTE.format(what="to that port")))
    b.append(("figure", names[0], fig[names[0]]))

    # 2. Regions
    b.append(("h2", f"2. Top {n} source regions"))
    b.append(("p", "Table 2: source regions (country of the source address by the region "
                   "database in the footer) by packets, with the rank in the previous period."))
    rows = [[str(r["rank"]), r["cc"], _n(r["packets"]), _pct(r["share"]), _n(r["syn"]),
             _n(r["sources"]), _prev(r["previous_rank"])] for r in report["top_regions"]]
    b.append(("table", ["Rank", "Region", "Packets", "Share", "SYNs", "Distinct sources",
                        "Previous rank"], rows, "rlrrrrr"))
    b.append(("p", PREVIOUS_NOTE.format(what="from that region")))
    u = report["unknown_region"]
    b.append(("p", f"Unknown region (not ranked): {_n(u['packets'])} packets ({_pct(u['share'])}), "
                   f"{_n(u['syn'])} SYNs, {_n(u['sources'])} distinct sources."))
    b.append(("figure", names[1], fig[names[1]]))

    # 3. Mirai
    f3 = report["figure3"]
    b.append(("h2", "3. Mirai"))
    b.append(("p", MIRAI_NOTE))
    tot = f3["total"]
    if any(tot):
        peak = max(range(len(tot)), key=lambda i: (tot[i], -i))
        b.append(("p", f"Sources in {f3['region']} sending to {f3['label']}: "
                       f"{min(tot)} to {max(tot)} per {unit} (peak {f3['days'][peak]}: "
                       f"{f3['mirai'][peak]} with the Mirai signature, {f3['non_mirai'][peak]} "
                       "without). A source that sent at least one Mirai-signature SYN to the port "
                       f"that {unit if unit.isalpha() else 'bin'} counts as Mirai, every other "
                       f"source as non-Mirai; each source is counted once per {unit}."))
    else:
        b.append(("p", f"No source in {f3['region']} sent to {f3['label']} in this period."))
    b.append(("figure", names[2], fig[names[2]]))
    drows = [[d, _n(m), _n(x), _n(m + x)] for d, m, x in zip(f3["days"], f3["mirai"], f3["non_mirai"])]
    b.append(("details", f"Figure 3 per {unit} ({f3['region']}, {f3['label']})",
              [("table", [unit_header, "Mirai", "non-Mirai", "Total"], drows, "lrrr")]))
    b.append(("h3", "Mirai-signature SYNs per port"))
    rows = [[r["label"], _n(r["syn"]), _n(r["mirai"]), _pct(r["share"]) if r["syn"] else "–"]
            for r in report["mirai_share"]]
    mt = report["mirai_share_total"]
    rows.append(["all ports", _n(mt["syn"]), _n(mt["mirai"]), _pct(mt["share"])])
    b.append(("table", ["Destination port", "SYNs", "Mirai SYNs", "Mirai share of SYNs"], rows, "lrrr"))
    b.append(("h3", "Mirai sources by region"))
    rows = [[str(r["rank"]), r["cc"], _n(r["mirai_sources"]), _pct(r["share"]), _n(r["mirai_syn"])]
            for r in report["mirai_regions"]]
    b.append(("table", ["Rank", "Region", "Mirai sources", "Share", "Mirai SYNs"], rows, "rlrrr"))
    b.append(("p", f"Mirai sources: distinct source IPs that sent at least one Mirai-signature SYN "
                   f"in the period. Unknown region: {_n(u['mirai_sources'])}."))

    # 4. Sensors
    b.append(("h2", "4. Sensors"))
    rows = []
    for s in report["sensors"]:
        row = [s["name"], _n(s["packets"]), _pct(s["share"]), _n(s["syn"]), _n(s["mirai"]),
               f"{s['days_with_data']}/{p['bins']}"]
        if o["sensor_locations"]:
            row[1:1] = [s["location"] or "–", s["group"]]
        rows.append(row)
    header = ["Sensor", "Packets", "Share", "SYNs", "Mirai SYNs",
              f"{units.capitalize()} with data"]
    align = "lrrrrr"
    if o["sensor_locations"]:
        header[1:1] = ["Location", "Group"]
        align = "lll" + align[1:]
    b.append(("table", header, rows, align))
    b.append(("figure", names[3], fig[names[3]]))
    if report["sensor_groups"]:
        b.append(("h3", f"Domestic ({o['region']}) and overseas sensors"))
        rows = [[g["group"], ", ".join(g["sensors"]), _n(g["packets"]), _pct(g["share"]),
                 ", ".join(p_["label"] for p_ in g["top_ports"][:5])] for g in report["sensor_groups"]]
        b.append(("table", ["Group", "Sensors", "Packets", "Share", "Top 5 ports"], rows, "llrrl"))
        for g in report["sensor_groups"]:
            rows = [[str(r["rank"]), r["label"], _n(r["packets"]), _pct(r["share"])] for r in g["top_ports"]]
            b.append(("details", f"Top 10 ports, {g['group']} sensors",
                      [("table", ["Rank", "Destination port", "Packets", "Share of group"], rows, "rlrr")]))
    b.append(("h3", "Each sensor's top 10 ports"))
    for s in report["sensors"]:
        rows = [[str(r["rank"]), r["label"], _n(r["packets"]), _pct(r["share"])] for r in s["top_ports"]]
        b.append(("p", f"**{s['name']}**" + (f" ({s['location']})" if s["location"] else "")))
        b.append(("table", ["Rank", "Destination port", "Packets", "Share of sensor"], rows, "rlrr"))

    # 5. Known scanners
    b.append(("h2", "5. Known scanners"))
    ks = report["known_scanners"]
    if ks is None:
        b.append(("p", "No list of known scanners given (--known-scanners FILE)."))
    else:
        rows = [[k["name"], ", ".join(k["networks"]), _n(k["packets"]), _pct(k["share"]),
                 _n(k["syn"]), _n(k["sources"]), _n(k["ports"]),
                 ", ".join(f"{x['label']}" for x in k["top_ports"])] for k in ks["scanners"]]
        b.append(("table", ["Scanner", "Networks", "Packets", "Share", "SYNs", "Distinct sources",
                            "Ports probed", "Top ports"], rows, "llrrrrrl"))
        b.append(("p", f"From {os.path.basename(ks['file'])}: sources whose /24 lies in a listed "
                       "network. Share: of all packets in the flows series. "
                       + ("They are excluded from every other table and figure (--exclude-known)."
                          if ks["excluded"] else
                          "They are included in the other tables (--exclude-known removes them).")
                       + (" The file gave warnings (see the end of the report)." if ks["warnings"] else "")))

    # 6. Notable changes
    nt = report["notable"]
    b.append(("h2", "6. Notable changes"))
    items = []
    for e in nt["entered_top10"]:
        was = "new" if e["previous_rank"] == "new" else f"rank {e['previous_rank']}"
        items.append(f"{e['label']} entered the top 10 at rank {e['rank']} (previous period: {was}).")
    for e in nt["regions_entered_top10"]:
        was = "no packets" if e["previous_rank"] == "new" else f"rank {e['previous_rank']}"
        items.append(f"Region {e['cc']} entered the top 10 at rank {e['rank']} (previous period: {was}).")
    if not prev or not prev["has_data"]:
        items.append("No previous-period data: ports entering the top 10 cannot be told.")
    elif not nt["entered_top10"]:
        items.append("No port entered the top 10 from outside it.")
    for s in nt["surges"]:
        when = s["first_day"] if s["days"] == 1 else f"{s['first_day']} to {s['last_day']}"
        factor = f"{s['factor']}x" if s["factor"] else "from nothing"
        shares = ", ".join(f"{x['name']} {x['share']:.1f} %" for x in s["sensors"])
        text = (f"Surge on {s['label']}, {when}: peak {_n(s['peak_packets'])} packets on "
                f"{s['peak_day']} ({factor} the trailing median {s['baseline']:g}). "
                f"Share per sensor: {shares}.")
        if s["single_sensor"]:
            top = s["sensors"][0]
            text += (f" **One-sensor spike**: {s['single_sensor']} alone carries "
                     f"{top['share']:.1f} % of it, so it is not a broad trend.")
        items.append(text)
    if not nt["surges"]:
        one = unit if unit.isalpha() else "bin"
        items.append(f"No {one}-over-{one} surge.")
    b.append(("list", items))
    b.append(("p", f"Surge rule: {nt['rule']}."))

    # Footer
    b.append(("h2", "About this report"))
    files = ", ".join(f"{k} {v}" for k, v in f["files"].items())
    rows_read = ", ".join(f"{k} {_n(v)}" for k, v in f["rows"].items())
    items = [
        (f"Period: {p['from']} to {p['to']} UTC, both days included" if p["whole_days"]
         else f"Period: {p['from']} to {p['to']}, the end excluded")
        + (f"; previous period {previous_text(prev)}" if prev else "") + ".",
        bin_text(p),
        f"Region database: {f['region_db'] or 'none'}.",
        f"Sensors: {', '.join(f['sensors']) or 'none'}.",
        f"Series directories: {', '.join(f['paths'])}.",
        f"Files read (both periods): {files}. Rows read: {rows_read}.",
        f"Options: top {n}, region {o['region']}, Figure 3 port {o['port']}, "
        f"exclude known scanners: {'yes' if o['exclude_known'] else 'no'}.",
    ]
    if f.get("generated"):
        items.append(f"Generated {f['generated']} by {f.get('generator', 'darkscope-report')}.")
    for note in f["notes"]:
        items.append(f"Note: {note}.")
    for w in f["warnings"]:
        items.append(f"Warning: {w}")
    if not f["warnings"]:
        items.append("No warnings.")
    b.append(("list", items))
    return b


# ------------------------------------------------------------- Markdown

def _md_escape(cell):
    return str(cell).replace("|", "\\|").replace("\n", " ")


def _md_table(header, rows, align):
    out = ["| " + " | ".join(_md_escape(h) for h in header) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    for r in rows:
        out.append("| " + " | ".join(_md_escape(c) for c in r) + " |")
    if not rows:
        out.append("| " + " | ".join(["–"] * len(header)) + " |")
    return "\n".join(out)


def _md_blocks(bl):
    out = []
    for blk in bl:
        kind = blk[0]
        if kind == "h1":
            out.append(f"# {blk[1]}")
        elif kind == "h2":
            out.append(f"## {blk[1]}")
        elif kind == "h3":
            out.append(f"### {blk[1]}")
        elif kind == "p":
            out.append(blk[1])
        elif kind == "table":
            out.append(_md_table(blk[1], blk[2], blk[3]))
        elif kind == "figure":
            out.append(f"![{blk[2]}]({blk[1]})\n\n*{blk[2]}*")
        elif kind == "list":
            out.append("\n".join(f"- {i}" for i in blk[1]))
        elif kind == "details":
            out.append(f"<details><summary>{html.escape(blk[1])}</summary>\n\n"
                       + _md_blocks(blk[2]) + "\n\n</details>")
    return "\n\n".join(out)


def to_markdown(report, figures):
    return _md_blocks(blocks(report, figures)) + "\n"


# ----------------------------------------------------------------- HTML

CSS = """
body { font-family: sans-serif; max-width: 70em; margin: 1em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f0f0; } td.r { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } img { max-width: 100%; height: auto; }
figcaption { font-style: italic; color: #444; }
details { margin: 0.6em 0; } summary { cursor: pointer; }
"""


def _inline(text):
    """Escape, then turn **bold** into <strong>."""
    parts = html.escape(text).split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def _html_blocks(bl, out_dir):
    out = []
    for blk in bl:
        kind = blk[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(blk[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{_inline(blk[1])}</p>")
        elif kind == "table":
            header, rows, align = blk[1], blk[2], blk[3]
            h = "".join(f"<th>{html.escape(x)}</th>" for x in header)
            body = []
            for r in rows or [["–"] * len(header)]:
                body.append("<tr>" + "".join(
                    f"<td class=\"{'r' if a == 'r' else 'l'}\">{html.escape(str(c))}</td>"
                    for c, a in zip(r, align)) + "</tr>")
            out.append(f"<table><thead><tr>{h}</tr></thead><tbody>\n" + "\n".join(body)
                       + "\n</tbody></table>")
        elif kind == "figure":
            with open(os.path.join(out_dir, blk[1]), "rb") as f:
                data = base64.b64encode(f.read()).decode("ascii")
            out.append(f"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{html.escape(blk[2])}\">"
                       f"<figcaption>{html.escape(blk[2])}</figcaption></figure>")
        elif kind == "list":
            out.append("<ul>\n" + "\n".join(f"<li>{_inline(i)}</li>" for i in blk[1]) + "\n</ul>")
        elif kind == "details":
            out.append(f"<details><summary>{html.escape(blk[1])}</summary>\n"
                       + _html_blocks(blk[2], out_dir) + "\n</details>")
    return "\n".join(out)


def content_security_policy(css):
    """The page's policy: nothing from anywhere but its own data: images and
    this one style sheet (by hash), so a browser loads nothing else even if
    a report's text ever held markup."""
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode("ascii")
    return (f"default-src 'none'; img-src data:; style-src 'sha256-{digest}'; "
            "base-uri 'none'; form-action 'none'")


def to_html(report, figures, out_dir):
    bl = blocks(report, figures)
    title = bl[0][1]
    csp = content_security_policy(CSS)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + _html_blocks(bl, out_dir) + "\n</body>\n</html>\n")
