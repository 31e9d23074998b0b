"""The run report: one self-contained HTML file (inline CSS and SVG, no network) and its JSON.

The data come from a run folder: summary.json (what ran, corpus scores with signatures) and
evaluation.json (per-paragraph scores, QA items and flags), both written by `diglot run`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from html import escape
from pathlib import Path
from typing import Any

from corpora.textio import write_atomic
from evaluation.sources import read_run_json

#: Colours of the QA checks in the charts (colour-blind-safe palette).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000", "#999999"]


def load_run(run: Path) -> dict[str, Any]:
    """A run's summary and evaluation data as one dict.

    Raises:
        ConfigError: the folder is not a run folder.
        DataFormatError: a file in it is not what diglot wrote.
    """
    return {name: read_run_json(run, name) for name in ("summary", "evaluation")}


def write_report(run: Path, out: Path | None = None) -> tuple[Path, Path]:
    """Write report.html and report.json for a run folder; returns both paths."""
    data = load_run(run)
    html_path = out or run / "report.html"
    json_path = html_path.with_suffix(".json")
    write_atomic(html_path, render_html(data))
    write_atomic(json_path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return html_path, json_path


def render_html(data: dict[str, Any]) -> str:
    summary, ev = data["summary"], data["evaluation"]
    paragraphs = ev.get("paragraphs", [])
    flags = ev.get("flags", [])
    title = f"diglot report: {Path(summary['input']).name}"
    parts = [f"<h1>{escape(title)}</h1>", _overview(summary, ev),
             _source_languages(summary.get("source_languages") or {}), _scores(summary)]
    if any(p.get("chrf") is not None for p in paragraphs):
        parts += ["<h2>chrF per paragraph</h2>",
                  "<p>One bar per paragraph in document order; hover for its line.</p>",
                  score_chart(paragraphs)]
    parts += ["<h2>QA flags per section</h2>", flags_chart(flags, ev.get("checks", [])),
              _flag_table(flags, ev.get("segments", {})), _worst(paragraphs)]
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


# Tables keep inside the page at any width: cells may break long URLs or code anywhere (so
# no unbroken text widens a column past the window), and tables with set column widths use
# a fixed layout that shares the rest of the width out evenly (browsers without :has() keep
# the automatic layout, which the breaking alone keeps inside the page).
_CSS = """body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;
padding:0 1em}table{border-collapse:collapse;margin:1em 0;width:100%}
table:has(colgroup){table-layout:fixed}td,th{border:1px solid #ccc;padding:4px 8px;
vertical-align:top;text-align:left}td{overflow-wrap:anywhere}th{background:#f3f3f3}
col.where{width:7em}col.severity{width:6.5em}col.check{width:9.5em}col.key{width:11em}
col.narrow{width:5em}
code{font-size:12px;color:#555;white-space:pre-wrap}.error{color:#b00020}
.warning{color:#8a6d00}svg{max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif}"""


def _overview(summary: dict[str, Any], ev: dict[str, Any]) -> str:
    qa = summary.get("qa", {})
    rows = [("input", summary["input"]),
            ("languages", f"{summary['source_lang']} → {summary['target_lang']}"),
            ("engine", f"{summary['engine']} {summary.get('model') or ''}"),
            ("segments", f"{summary['segments']} ({summary['translated']} translated now, "
                         f"{summary['reused']} from the store, {summary['failed']} failed)"),
            ("QA", f"{qa.get('flagged_segments', 0)} of {qa.get('segments', 0)} segments "
                   f"flagged: {qa.get('errors', 0)} errors, {qa.get('warnings', 0)} warnings"),
            ("time", f"{summary['seconds']:.1f} s")]
    memory = summary.get("memory") or {}
    if memory.get("segments"):
        rows.insert(4, ("translation memory", f"{memory['hits']} of {memory['segments']} "
                        f"segments to translate ({memory['rate']:.0%}) were never sent to "
                        "the engine"))
    notes = summary.get("notes") or []
    if notes:
        rows.insert(4, ("engine notes", f"{len(notes)} segments (a retry, a fallback engine, "
                        "an unresolved problem): " + "; ".join(
                            f"{n['segment']}: {n['note']}" for n in notes[:5])
                        + (" …" if len(notes) > 5 else "")))
    rows += [(f"{k} skipped", v) for k, v in qa.get("skipped", {}).items()]
    return ("<table class=\"overview\"><colgroup><col class=\"key\"><col></colgroup>"
            + "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>"
                      for k, v in rows) + "</table>")


def _source_languages(info: dict[str, Any]) -> str:
    """Paragraphs kept or routed because they are not in the source language (routing.py)."""
    from translate.routing import describe

    line = describe(info)
    if line is None:
        return ""
    rows = "".join(f"<tr><td>{m['line']}</td><td>{escape(m['lang'])}</td>"
                   f"<td>{m['confidence']:.2f}</td><td>{escape(m['note'] or '')}</td></tr>"
                   for m in info.get("moved", []))
    table = ("<table><colgroup><col class=\"narrow\"><col class=\"narrow\">"
             "<col class=\"narrow\"><col></colgroup><tr><th>line</th><th>language</th>"
             f"<th>confidence</th><th>decision</th></tr>{rows}</table>" if rows else "")
    return f"<h2>Source languages</h2><p>{escape(line)}</p>{table}"


def _scores(summary: dict[str, Any]) -> str:
    scores = summary.get("scores", [])
    if not scores:
        return "<p>No reference was given, so there are no scores.</p>"
    rows = "".join(f"<tr><td>{escape(s['metric'])}</td><td>{s['score']:.1f}</td>"
                   f"<td><code>{escape(s['signature'])}</code></td></tr>" for s in scores)
    return ("<h2>Scores</h2><table><colgroup><col class=\"narrow\"><col class=\"narrow\">"
            "<col></colgroup><tr><th>metric</th><th>score</th><th>signature</th></tr>"
            + rows + "</table>")


def score_chart(paragraphs: list[dict[str, Any]], width: int = 1000, height: int = 220) -> str:
    """Inline SVG: one bar per paragraph, height = its chrF (0–100)."""
    scored = [p for p in paragraphs if p.get("chrf") is not None]
    left, bottom = 36, 20
    bar = (width - left) / max(len(scored), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="chrF per paragraph">']
    plot = height - bottom
    for tick in (0, 25, 50, 75, 100):
        y = plot - tick / 100 * (plot - 10)
        out.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for k, p in enumerate(scored):
        h = p["chrf"] / 100 * (plot - 10)
        colour = "#D55E00" if p["chrf"] < 40 else "#E69F00" if p["chrf"] < 60 else "#009E73"
        out.append(f'<rect x="{left + k * bar:.2f}" y="{plot - h:.2f}" '
                   f'width="{max(bar - 0.5, 0.5):.2f}" height="{h:.2f}" fill="{colour}">'
                   f'<title>line {p["line"]}: chrF {p["chrf"]:.1f}</title></rect>')
    out.append(f'<text x="{left}" y="{height - 4}">paragraphs in document order '
               f'({len(scored)})</text></svg>')
    return "".join(out)


def flags_chart(flags: list[dict[str, Any]], checks: list[str], width: int = 1000) -> str:
    """Inline SVG: per section, a bar of its flags stacked by check."""
    if not flags:
        return "<p>No QA flags.</p>"
    by_section: dict[str, Counter[str]] = defaultdict(Counter)
    for f in flags:
        by_section[f.get("section") or "(before the first heading)"][f["check"]] += 1
    names = [c for c in checks if any(c in n for n in by_section.values())] or sorted(
        {f["check"] for f in flags})
    colour = {c: PALETTE[k % len(PALETTE)] for k, c in enumerate(names)}
    label_w, row_h = 260, 22
    most = max(sum(c.values()) for c in by_section.values())
    scale = (width - label_w - 40) / most
    height = row_h * len(by_section) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="QA flags per section">']
    for row, (section, counts) in enumerate(by_section.items()):
        y = row * row_h
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
                   f'{escape(section[:40])}</text>')
        x = float(label_w)
        for name in names:
            if counts[name]:
                w = counts[name] * scale
                out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}"'
                           f' fill="{colour[name]}"><title>{escape(section)}: {counts[name]} '
                           f'{escape(name)}</title></rect>')
                x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 15}">{sum(counts.values())}</text>')
    legend_y = height - 10
    for k, name in enumerate(names):
        out.append(f'<rect x="{label_w + k * 110}" y="{legend_y - 9}" width="10" height="10" '
                   f'fill="{colour[name]}"/><text x="{label_w + k * 110 + 14}" '
                   f'y="{legend_y}">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def _flag_table(flags: list[dict[str, Any]], segments: dict[str, dict[str, str]]) -> str:
    if not flags:
        return ""
    rows = []
    for f in flags[:500]:
        seg = segments.get(f["item"], {})
        rows.append(f"<tr><td>{escape(f['item'])}</td><td class=\"{escape(f['severity'])}\">"
                    f"{escape(f['severity'])}</td><td>{escape(f['check'])}</td>"
                    f"<td>{escape(f['message'])}</td><td>{escape(seg.get('source', ''))}</td>"
                    f"<td>{escape(seg.get('target', ''))}</td></tr>")
    more = f"<p>…and {len(flags) - 500} more in the JSON.</p>" if len(flags) > 500 else ""
    return ("<h2>QA flags</h2><table class=\"flags\"><colgroup><col class=\"where\">"
            "<col class=\"severity\"><col class=\"check\"><col><col><col></colgroup>"
            "<tr><th>where</th><th>severity</th><th>check</th>"
            "<th>problem</th><th>source</th><th>translation</th></tr>" + "".join(rows)
            + "</table>" + more)


def _worst(paragraphs: list[dict[str, Any]], n: int = 10) -> str:
    scored = sorted((p for p in paragraphs if p.get("chrf") is not None),
                    key=lambda p: p["chrf"])[:n]
    if not scored:
        return ""
    rows = "".join(f"<tr><td>{p['line']}</td><td>{p['chrf']:.1f}</td>"
                   f"<td>{escape(p['source'])}</td><td>{escape(p['target'])}</td>"
                   f"<td>{escape(p['reference'])}</td></tr>" for p in scored)
    return (f"<h2>The {len(scored)} paragraphs with the lowest chrF</h2><table><colgroup>"
            "<col class=\"narrow\"><col class=\"narrow\"><col><col><col></colgroup><tr>"
            "<th>line</th><th>chrF</th><th>source</th><th>translation</th><th>reference</th>"
            "</tr>" + rows + "</table>")
