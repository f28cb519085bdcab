"""The leaderboard as one self-contained HTML page (``aadbench export --format html``): every dataset's
table with timing beside the AUCs, its heatmap and accuracy-against-speed chart, the statistics, the
paper comparison, timing and runs. Vega, Vega-Lite and vega-embed are written into the page (from
vl-convert-python), so it opens offline and can be published as it is."""
from __future__ import annotations

import html
import json
import time
from collections.abc import Sequence

import pandas as pd

from ..errors import ConfigError
from . import chart_data, charts, stats, tables

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1360px;
       padding: 0 16px; color: #1f2328; }
h1 { margin-bottom: 4px; } h2 { margin-top: 40px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.meta, .note { color: #57606a; font-size: 14px; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; font-size: 14px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: right; white-space: nowrap; }
th { background: #f6f8fa; }
td.name, th.name { text-align: left; }
td.pin, th.pin { position: sticky; left: 0; background: #ffffff; }
details { margin: 8px 0; } summary { cursor: pointer; color: #0969da; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
nav a { margin-right: 14px; }
"""


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, for the Vega-Lite version Altair writes."""
    try:
        import vl_convert
        from altair.utils._importers import vl_version_for_vl_convert
    except ImportError as exc:
        raise ConfigError("--format html writes the charts' JavaScript into the page and needs vl-convert-python: "
                          "pip install 'aadbench[leaderboard]'") from exc
    return str(vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert()))  # type: ignore[call-arg]


class _Page:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.specs: list[dict] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def chart(self, chart) -> None:
        self.parts.append(f'<div class="chart" id="chart-{len(self.specs)}"></div>')
        self.specs.append(chart.to_dict())

    def table(self, frame: pd.DataFrame, names: Sequence[str] = (), styles: pd.DataFrame | None = None) -> None:
        self.add('<div class="scroll"><table>')
        kinds = [("name pin" if j == 0 else "name") if c in names else "" for j, c in enumerate(frame.columns)]
        self.add("<tr>" + "".join(_cell("th", c, k) for c, k in zip(frame.columns, kinds)) + "</tr>")
        for i, row in enumerate(frame.itertuples(index=False)):
            css = [""] * len(kinds) if styles is None else list(styles.iloc[i])
            self.add("<tr>" + "".join(_cell("td", v, k, c) for v, k, c in zip(row, kinds, css)) + "</tr>")
        self.add("</table></div>")


def _cell(tag: str, value: object, kind: str = "", css: str = "") -> str:
    text = "–" if value is None or (isinstance(value, float) and pd.isna(value)) else (
        f"{value:.2f}" if isinstance(value, float) else str(value))
    attrs = (f' class="{kind}"' if kind else "") + (f' style="{html.escape(css)}"' if css else "")
    return f"<{tag}{attrs}>{html.escape(text)}</{tag}>"


def render(frame: pd.DataFrame, runs: pd.DataFrame, *, source: str, bundle: str | None = None) -> str:
    """The page for the results ``frame`` (see ``data.load_results``) and the ``runs`` they came from."""
    page = _Page()
    labels = sorted(frame["dataset_label"].dropna().unique().tolist())
    page.add(f"<h1>aadbench leaderboard</h1><p class='meta'>{len(frame)} results from {html.escape(source)}, "
             f"written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. AUCs in percent, mean ± std over "
             "seeds.</p>")
    page.add("<nav>" + "".join(f'<a href="#{_anchor(lb)}">{html.escape(lb)}</a>' for lb in labels)
             + '<a href="#paper">Paper (Table 1)</a><a href="#timing">Timing</a><a href="#runs">Runs</a></nav>')
    for label in labels:
        _dataset(page, frame[frame["dataset_label"] == label], label)
    _paper(page, frame)
    _timing(page, frame)
    _runs(page, frame, runs)
    return _document(page, bundle if bundle is not None else vega_bundle())


def _anchor(label: str) -> str:
    return "ds-" + "".join(ch if ch.isalnum() else "-" for ch in label)


def _dataset(page: _Page, scoped: pd.DataFrame, label: str) -> None:
    page.add(f'<h2 id="{_anchor(label)}">{html.escape(label)}</h2>')
    if (scoped["dataset"] == "synthetic").any():
        page.add("<p class='warn'>Synthetic data: these numbers check the pipeline; they are never compared with "
                 "the paper.</p>")
    random = sorted(scoped.loc[(scoped["weights"] == "random") & (scoped["status"] == "ok"), "extractor"].unique())
    if random:
        page.add(f"<p class='warn'>Rows with weights <b>random</b> ({html.escape(', '.join(random))}) use randomly "
                 "initialised networks, not ImageNet weights.</p>")
    board = tables.leaderboard(scoped, "auc")
    if board.empty:
        page.add("<p class='note'>No successful results.</p>")
        return
    shown = board if board.fits else board.types_only()
    _board_table(page, shown, scoped)
    if not board.fits:
        page.add("<details><summary>every machine ID</summary>")
        _board_table(page, board, scoped)
        page.add("</details>")
    page.add("<p class='note'>Dark green: best of the column, light green: second best; rank by the overall "
             "average; clips/s: extraction throughput; fit s: mean seconds to fit a detector.</p>")
    page.add('<div class="charts">')
    page.chart(charts.heatmap(chart_data.heatmap_cells(scoped)))
    points = chart_data.pipeline_points(scoped)
    if points["clips/s"].notna().any():
        page.chart(charts.pareto(points))
    page.add("</div>")
    _statistics(page, scoped)
    intervals = tables.interval_table(scoped)
    if not intervals.empty:
        page.add("<h3>Bootstrap 95% intervals of the AUC (%)</h3>")
        page.table(intervals.reset_index(), names=["pipeline"])


def _board_table(page: _Page, board: tables.Leaderboard, scoped: pd.DataFrame) -> None:
    text = tables.with_timing(board.text(), scoped)
    marks = board.flat_marks().reindex(columns=text.columns, fill_value="").replace(tables.MARK_CSS)
    page.table(text, names=tables.ROW_KEYS, styles=marks)


def _statistics(page: _Page, scoped: pd.DataFrame) -> None:
    comp = stats.compare(scoped, pairwise=False)  # the page shows ranks and the CD, not the pairs
    if not comp.enough:
        return
    ranks = pd.DataFrame({"pipeline": comp.ranks.index, "average rank": comp.ranks.round(2).to_numpy(),
                          "mean AUC (%)": (comp.table.mean()[comp.ranks.index] * 100).round(1).to_numpy()})
    page.add("<h3>Statistics</h3>")
    page.table(ranks, names=["pipeline"])
    if comp.friedman is not None and comp.cd is not None:
        page.add(f"<p class='note'>Friedman chi-square {comp.friedman[0]:.2f}, p = {comp.friedman[1]:.3g}; "
                 f"Nemenyi critical difference {comp.cd:.2f} ranks at alpha {stats.ALPHA:g}.</p>")
    page.chart(charts.critical_difference(comp.ranks, comp.cd))


def _paper(page: _Page, frame: pd.DataFrame) -> None:
    page.add('<h2 id="paper">Paper (Table 1)</h2>')
    comp = tables.paper_comparison(frame)
    if comp.empty:
        page.add("<p class='note'>No comparable results: the paper's pipelines on MIMII (6 dB) with ImageNet "
                 "weights.</p>")
        return
    summary = tables.paper_summary(comp)
    page.add(f"<p class='note'>Each cell: ours | paper | difference (AUC %); {summary['cells']} cells, mean "
             f"difference {summary['mean_diff']:+.1f} points, {summary['within_5']} within ±5 points.</p>")
    page.table(tables.paper_wide(comp), names=["extractor", "detector"])


def _timing(page: _Page, frame: pd.DataFrame) -> None:
    page.add('<h2 id="timing">Timing</h2>')
    timing = tables.timing_table(frame)
    if timing.empty:
        page.add("<p class='note'>No timings.</p>")
        return
    page.table(timing.round(3), names=["extractor", "detector", "device"])
    page.add('<div class="charts">')
    page.chart(charts.extraction_speed(timing))
    page.chart(charts.job_times(timing))
    page.add("</div>")


def _runs(page: _Page, frame: pd.DataFrame, runs: pd.DataFrame) -> None:
    page.add('<h2 id="runs">Runs</h2>')
    mine = runs[runs["run_id"].isin(frame["run_id"])] if not runs.empty else runs
    if mine.empty:
        return
    table = tables.runs_table(mine)
    cols = [c for c in ("run_id", "started_at", "status", "jobs", "command", "host", "device") if c in table]
    shown = table[cols].copy()
    if "started_at" in shown:
        shown["started_at"] = shown["started_at"].fillna("").astype(str).str.slice(0, 19).str.replace("T", " ")
    page.table(shown, names=["run_id"])


def _document(page: _Page, bundle: str) -> str:
    specs = json.dumps(page.specs).replace("</", "<\\/")
    script = bundle.replace("</script", "<\\/script")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>aadbench leaderboard</title>", f"<style>{STYLE}</style>",
        f"<script>{script}</script>", "</head><body>", *page.parts,
        "<script>",
        f"const specs = {specs};",
        "window.chartsRendered = 0;",
        "specs.forEach((spec, i) => vegaEmbed('#chart-' + i, spec, {actions: false})"
        ".then(() => { window.chartsRendered += 1; })"
        ".catch(err => { document.getElementById('chart-' + i).textContent = 'chart failed: ' + err; }));",
        "</script>", "</body></html>", ""])
