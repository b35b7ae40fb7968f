# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report dict, assembled from the passes' results (report_data.py
runs them): tables, the daily series behind the figures, notable changes
and the footer.  report_render.py and report_figures.py read the dict;
report.json is the dict as it is."""
import os
from dataclasses import dataclass

from .report_counts import Counts
from .report_keys import label, pkey_of, pkey_split
from .report_period import bin_unit
from .report_ranking import (PREVIOUS_LIMIT, entered_top, previous_rank, rank_numbers,
                             rank_ports, rank_regions)
from .report_sensors import groups_table, sensor_daily, sensors_table
from .report_surges import find_surges, surge_rule


@dataclass(slots=True)
class PassResults:
    ports: object  # PortsPass, after any --exclude-known
    prev_port_totals: dict  # pkey -> packets, after any --exclude-known
    flows: object  # FlowsPass
    prev_flows: object  # PreviousFlows
    sensor: object  # SensorPass
    port_sources: dict  # pkey -> distinct sources (both flows passes)
    ranked_ports: list  # [(pkey, packets)] of ports, best first
    sensors: list  # every sensor name, in the order the passes first read them
    stats: list  # PassStats, in reading order


def _share(x, tot):
    return round(100.0 * x / tot, 4) if tot else 0.0


def _previous_cells(key, ranks, prev_has_data, limit):
    return {"previous_rank": previous_rank(key, ranks, prev_has_data, limit),
            "previous_rank_number": ranks.get(key)}


def top_ports_table(r, n, limit, total_packets, prev_ranks, prev_has_data):
    out = []
    for i, (pkey, packets) in enumerate(r.ranked_ports[:n]):
        proto, port = pkey_split(pkey)
        t = r.ports.totals[pkey]
        out.append({
            "rank": i + 1, "proto": proto, "port": port, "label": label(pkey),
            "packets": packets, "share": _share(packets, total_packets),
            "syn": t.syn, "mirai": t.mirai, "sources": r.port_sources.get(pkey, 0),
            **_previous_cells(pkey, prev_ranks, prev_has_data, limit),
        })
    return out


def top_regions_table(flows, ranked, n, limit, prev_ranks, prev_has_data):
    out = []
    for i, (cc, packets) in enumerate(ranked[:n]):
        t = flows.region_totals[cc]
        out.append({
            "rank": i + 1, "cc": cc, "packets": packets, "share": _share(packets, flows.packets),
            "syn": t.syn, "mirai": t.mirai, "sources": flows.region_sources.get(cc, 0),
            **_previous_cells(cc, prev_ranks, prev_has_data, limit),
        })
    return out


def unknown_region(flows):
    ut = flows.region_totals.get(None, Counts())
    return {"packets": ut.packets, "share": _share(ut.packets, flows.packets), "syn": ut.syn,
            "mirai": ut.mirai, "sources": flows.region_sources.get(None, 0),
            "mirai_sources": flows.region_mirai_sources.get(None, 0)}


def mirai_regions_table(flows, n):
    """Regions by their distinct sources with the Mirai signature."""
    all_sources = sum(flows.region_mirai_sources.values())
    ranked = rank_regions({cc: v for cc, v in flows.region_mirai_sources.items() if v > 0})
    return [{"rank": i + 1, "cc": cc, "mirai_sources": v, "share": _share(v, all_sources),
             "mirai_syn": flows.region_totals.get(cc, Counts()).mirai}
            for i, (cc, v) in enumerate(ranked[:n])]


def figure3(cfg, flows, days):
    mir = flows.fig3_mirai
    non = [t - m for t, m in zip(flows.fig3_total, mir)]
    return {"region": cfg.region, "proto": cfg.port[0], "port": cfg.port[1],
            "label": label(pkey_of(*cfg.port)), "days": days, "mirai": list(mir),
            "non_mirai": non, "total": [a + b for a, b in zip(mir, non)]}


def known_table(cfg, flows):
    ks = cfg.known_scanners
    if ks is None:
        return None
    base = flows.packets_all
    rows = []
    for i, name in enumerate(ks.names):
        k = flows.known[i]
        ports = rank_ports(k.ports)
        rows.append({
            "name": name, "networks": ks.networks[i], "packets": k.counts.packets,
            "share": _share(k.counts.packets, base),
            "syn": k.counts.syn, "mirai": k.counts.mirai, "sources": k.sources,
            "ports": len(ports),
            "top_ports": [{"label": label(p), "packets": v} for p, v in ports[:3]],
        })
    rows.sort(key=lambda r: (-r["packets"], r["name"]))
    packets = sum(r["packets"] for r in rows)
    return {"file": ks.path, "excluded": cfg.exclude_known, "scanners": rows,
            "packets": packets, "share": _share(packets, base), "warnings": ks.warnings}


def notable(cfg, ranked_ports, reg_ranked, prev_port_rank, prev_reg_rank, prev_has_data,
            surges, unit="day"):
    entered = []
    for e in entered_top(ranked_ports, prev_port_rank, prev_has_data):
        proto, port = pkey_split(e.key)
        entered.append({"label": label(e.key), "proto": proto, "port": port, "rank": e.rank,
                        "packets": e.packets, "previous_rank": e.previous})
    reg_entered = [{"cc": e.key, "rank": e.rank, "packets": e.packets,
                    "previous_rank": e.previous}
                   for e in entered_top(reg_ranked, prev_reg_rank, prev_has_data)]
    return {"entered_top10": entered, "regions_entered_top10": reg_entered, "surges": surges,
            "rule": surge_rule(cfg.surge_factor, cfg.surge_min_packets, unit)}


def _warn_undercounts(r, log):
    if r.flows.packets_all < r.ports.packets_all:
        lost = r.ports.packets_all - r.flows.packets_all
        log.warn(f"the flows series holds {lost} fewer packets than the ports series "
                 "(flow table full, or flows files missing): regions, distinct sources "
                 "and Figure 3 undercount")
    for name in r.sensors:
        h = r.sensor.health.get(name)
        if h is None:
            continue
        if h.map_full:
            log.warn(f"sensor {name}: map_full = {h.map_full} frames did not fit "
                     "in the flow table; ports totals are exact, flows miss them")
        if h.write_dropped:
            log.warn(f"sensor {name}: write_dropped = {h.write_dropped} series members "
                     "were dropped by the daemon")


def files_read(stats):
    """Files read per series, over all passes but the sources fallback."""
    out = {}
    for p in stats:
        if p.period == "current (sources)":
            continue
        out[p.series] = out.get(p.series, 0) + p.files
    return out


def _between(w):
    """The period in words: '2026-04-01 and 2026-06-30 (UTC, inclusive)'."""
    if w.whole_days:
        return f"{w.from_text()} and {w.to_text()} (UTC, inclusive)"
    return f"{w.from_text()} and {w.to_text()} (the end excluded)"


def _period(current, interval):
    return {"from": current.from_text(), "to": current.to_text(), "days": current.ndays,
            "t_from": current.t_from, "t_to": current.t_to, "seconds": current.seconds,
            "whole_days": current.whole_days, "bin": current.bin,
            "bin_unit": bin_unit(current.bin), "bins": current.nbins, "interval": interval}


def _previous(previous, rule, prev_has_data):
    if not previous:
        return None
    return {"from": previous.from_text(), "to": previous.to_text(), "has_data": prev_has_data,
            "rule": rule.name if rule else "given", "rule_text": rule.text if rule else ""}


def assemble(cfg, current, previous, r, log, previous_rule=None, interval=None):
    """The report dict.  current, previous: report_period.Window (previous
    None without a previous period); r: PassResults; log: ReportLog;
    previous_rule: report_period.PreviousRule; interval: the sensors'
    interval the bin respects (None: not looked up or not known)."""
    n = cfg.top
    limit = max(PREVIOUS_LIMIT, n)
    days = current.bin_labels()
    unit = bin_unit(current.bin)
    totals = r.ports.totals.values()
    total_packets = sum(v.packets for v in totals)
    total_syn = sum(v.syn for v in totals)
    total_mirai = sum(v.mirai for v in totals)
    has_data = total_packets > 0 or r.flows.packets_all > 0
    prev_has_data = bool(previous) and (bool(r.prev_port_totals) or r.prev_flows.packets > 0)
    prev_port_rank = rank_numbers(rank_ports(r.prev_port_totals))
    top_ports = top_ports_table(r, n, limit, total_packets, prev_port_rank, prev_has_data)

    flows = r.flows
    reg_ranked = rank_regions({cc: v.packets for cc, v in flows.region_totals.items()})
    prev_reg_rank = rank_numbers(rank_regions(r.prev_flows.region_totals))
    top_regions = top_regions_table(flows, reg_ranked, n, limit, prev_reg_rank, prev_has_data)

    fig1 = {"days": days, "series": [
        {"label": t["label"], "proto": t["proto"], "port": t["port"],
         "packets": list(r.ports.totals[pkey_of(t["proto"], t["port"])].daily)} for t in top_ports]}
    fig2 = {"days": days, "series": [
        {"label": t["cc"], "packets": list(flows.region_totals[t["cc"]].daily)} for t in top_regions]}
    mirai_share = []
    for t in top_ports:
        c = r.ports.totals[pkey_of(t["proto"], t["port"])]
        mirai_share.append({"label": t["label"], "proto": t["proto"], "port": t["port"],
                            "syn": c.syn, "mirai": c.mirai, "share": _share(c.mirai, c.syn)})

    surges = find_surges(r.ports, r.sensors, days, cfg.surge_factor, cfg.surge_min_packets)
    report_notable = notable(cfg, r.ranked_ports, reg_ranked, prev_port_rank, prev_reg_rank,
                             prev_has_data, surges, unit)
    _warn_undercounts(r, log)
    if not has_data:
        log.notes.insert(0, f"no data: no rows between {_between(current)} "
                            "in the given directories")
    return {
        "format": "darkscope-report 1",
        "period": _period(current, interval),
        "previous": _previous(previous, previous_rule, prev_has_data),
        "has_data": has_data,
        "options": {"top": n, "region": cfg.region, "port": f"{cfg.port[1]}/{cfg.port[0]}",
                    "exclude_known": cfg.exclude_known,
                    "surge_factor": cfg.surge_factor,
                    "surge_min_packets": cfg.surge_min_packets,
                    "sensor_locations": cfg.sensor_locations},
        "totals": {"packets": total_packets, "syn": total_syn, "mirai": total_mirai,
                   "flows_packets": flows.packets,
                   "sources": sum(flows.region_sources.values()),
                   "mirai_sources": sum(flows.region_mirai_sources.values()),
                   "ports": len(r.ports.totals), "regions": len(reg_ranked)},
        "top_ports": top_ports,
        "top_regions": top_regions,
        "unknown_region": unknown_region(flows),
        "figure1": fig1,
        "figure2": fig2,
        "figure3": figure3(cfg, flows, days),
        "mirai_share": mirai_share,
        "mirai_share_total": {"syn": total_syn, "mirai": total_mirai,
                              "share": _share(total_mirai, total_syn)},
        "mirai_regions": mirai_regions_table(flows, n),
        "sensors": sensors_table(r.ports, r.sensor.health, r.sensors, cfg.sensor_locations,
                                 cfg.region, total_packets),
        "sensor_groups": groups_table(r.ports, r.sensors, cfg.sensor_locations, cfg.region,
                                      total_packets),
        "sensor_daily": sensor_daily(r.ports, days),
        "known_scanners": known_table(cfg, flows),
        "notable": report_notable,
        "footer": {
            "region_db": getattr(cfg.regiondb, "source", None) if cfg.regiondb else None,
            "paths": [os.path.abspath(p) for p in cfg.paths],
            "sensors": sorted(r.sensors),
            "files": files_read(r.stats),
            "rows": {p.name: p.rows for p in r.stats},
            "seconds": {p.name: round(p.seconds, 3) for p in r.stats},
            "notes": log.notes,
            "warnings": log.warnings,
        },
    }
