"""The leaderboard app: ``streamlit run app.py -- --db PATH`` (or ``$AADBENCH_DB``), started by
``aadbench leaderboard``. Reads the results store read-only; never imports torch."""
from __future__ import annotations

import json
import sys

import pandas as pd
import streamlit as st

from aadbench.leaderboard import chart_data, charts, data, tables

STYLES = tables.MARK_CSS
#: the main table's column choices: every machine ID, or the per-type and overall averages only
DETAILS = ["machine IDs", "machine types"]
#: the name columns stay in view when the table scrolls sideways
PINNED = {key: st.column_config.TextColumn(key, pinned=True) for key in tables.ROW_KEYS}
TABS = ["Leaderboard", "Statistics", "Paper (Table 1)", "Timing", "ROC & scores", "Runs"]


@st.cache_data(show_spinner="Loading results…", max_entries=4)
def _results(path: str, signature: tuple) -> pd.DataFrame:
    return data.load_results(path)


@st.cache_data(max_entries=4)
def _runs(path: str, signature: tuple) -> pd.DataFrame:
    return data.load_runs(path)


@st.cache_data(max_entries=16)
def _clip_scores(path: str, keys: tuple[str, ...], signature: tuple) -> pd.DataFrame:
    return data.load_clip_scores(path, list(keys))


@st.cache_data(max_entries=4)
def _with_metrics(path: str, frame: pd.DataFrame, signature: tuple) -> pd.DataFrame:
    return data.with_metrics(path, frame)


@st.cache_data(max_entries=8)
def _comparison(scoped: pd.DataFrame):
    """Ranks, Friedman, Nemenyi and every pairwise Wilcoxon test: seconds for dozens of pipelines."""
    from aadbench.leaderboard import stats

    return stats.compare(scoped)


def _download(label: str, make, name: str, mime: str, key: str) -> None:
    """A download whose content ``make()`` builds only when clicked."""
    st.download_button(label, make, file_name=name, mime=mime, key=key, on_click="ignore")


def sidebar(frame: pd.DataFrame, runs: pd.DataFrame) -> tuple[str, dict, bool]:
    sb = st.sidebar
    sb.header("Filters")
    labels = data.options(frame, "dataset_label")
    default = data.default_dataset(frame)
    dataset = sb.selectbox("Dataset", labels, index=labels.index(default) if default in labels else 0, key="dataset")
    started = dict(zip(runs["run_id"], runs["started_at"].astype(str)))
    formats = {"run_id": lambda r: f"{r} ({started.get(r, '?')[:16]})"}
    selections = {col: sb.multiselect(label, data.options(frame, col), key=col,
                                      placeholder="all", format_func=formats.get(col, str))
                  for col, label in data.FILTERS.items()}
    reload = sb.button("Reload now", help="Results are re-read whenever the database changes.")
    return dataset, selections, reload


def leaderboard_tab(db: str, sig: tuple, scoped: pd.DataFrame, dataset: str) -> None:
    top = st.columns([3, 2, 1])
    with top[0]:
        metric = st.radio("Metric", tables.available_metrics(scoped), format_func=tables.METRICS.get,
                          key="metric", horizontal=True)
    metric = str(metric or "auc")
    if metric == "official":
        scoped = _with_metrics(db, scoped, sig)
    board = tables.leaderboard(scoped, metric, title=f"{dataset}: {tables.METRICS[metric]}")
    with top[1]:
        detail = st.radio("Columns", DETAILS, index=0 if board.fits else 1, key="detail", horizontal=True,
                          help="every machine ID, or only the per-type and overall averages (narrower)")
    with top[2]:
        timing = st.toggle("Timing", key="timing_columns",
                           help="extraction clips/s and mean fit seconds per job beside the averages")
    _notes(scoped, dataset)
    if board.empty:
        st.info("No successful results match the filters.")
    else:
        shown = board.types_only() if detail == DETAILS[1] else board
        text = tables.with_timing(shown.text(), scoped) if timing else shown.text()
        marks = shown.flat_marks().reindex(columns=text.columns, fill_value="")
        styler = text.style.apply(lambda _: marks.replace(STYLES), axis=None)
        st.dataframe(styler, hide_index=True, key="main_table", column_config=PINNED, width="stretch")
        st.caption("Mean ± std over seeds, in percent. Dark green: best of the column, light green: second best. "
                   "rank: by the overall average." + (" clips/s: extraction throughput; fit s: mean seconds "
                                                      "to fit a detector." if timing else ""))
        cols = st.columns([1, 1, 1, 5])
        stem = f"aadbench_{dataset.replace(' ', '_')}_{metric}"
        with cols[0]:
            _download("CSV", lambda: tables.to_csv(board), f"{stem}.csv", "text/csv", "dl_csv")
        with cols[1]:
            _download("Markdown", lambda: tables.to_markdown(board), f"{stem}.md", "text/markdown", "dl_md")
        with cols[2]:
            _download("LaTeX", lambda: tables.to_latex(board), f"{stem}.tex", "text/x-tex", "dl_tex")
        _board_charts(scoped, metric)
    failed = scoped[scoped["status"] != "ok"]
    if not failed.empty:
        with st.expander(f"{len(failed)} failed jobs"):
            st.dataframe(failed[["run_id", "extractor", "detector", "machine_type", "machine_id", "seed", "error"]],
                         hide_index=True)


def _board_charts(scoped: pd.DataFrame, metric: str) -> None:
    """The heatmap of every machine and pipeline, and accuracy against speed with its Pareto front."""
    if metric == "official":
        return  # a score of whole sections, not of single machines
    label = tables.METRICS[metric]
    cells = chart_data.heatmap_cells(scoped, metric)
    if not cells.empty:
        st.altair_chart(charts.heatmap(cells, label), width="stretch", key="heatmap_chart")
    points = chart_data.pipeline_points(scoped, metric)
    if points["clips/s"].notna().any():
        st.altair_chart(charts.pareto(points, label), key="pareto_chart")
        st.caption("Extraction throughput summed over every task computed in view (features read from the cache "
                   "carry no timing). Hover a point for its pipeline, fit time and devices.")


def _notes(scoped: pd.DataFrame, dataset: str) -> None:
    if (scoped["dataset"] == "synthetic").any():
        st.warning("Synthetic data: these numbers check the pipeline; they are never compared with the paper.")
    random = sorted(scoped.loc[(scoped["weights"] == "random") & (scoped["status"] == "ok"), "extractor"].unique())
    if random:
        st.warning(f"Rows with weights **random** ({', '.join(random)}) use randomly initialised networks, "
                   "not ImageNet weights; they never enter the paper comparison.")
    if "flagged" in scoped and (scoped["flagged"] & (scoped["status"] == "ok")).any():
        st.warning(tables.FLAG_NOTE)


def paper_tab(frame: pd.DataFrame) -> None:
    st.markdown("Runs on **MIMII at 6 dB with ImageNet weights** (pretrained) beside Table 1 of Mueller et al., "
                "ICAART 2021 (AUC %). Each cell: ours (mean over seeds) | paper | difference; green within ±5 points, "
                "orange within ±10, red beyond.")
    st.caption("The SNR compared is 6 dB, as the paper's text says (\"a SNR of 6dB\"). Its autoencoder AUCs near "
               "chance on fans and valves would fit the -6 dB recordings as well, so that reading is not certain. "
               "MIMII results whose SNR neither the folder names nor mimii.snr gave are stored as unknown and "
               "never enter this comparison.")
    comp = tables.paper_comparison(frame)
    excluded = tables.paper_exclusions(frame)
    if comp.empty:
        st.info("No comparable results: run the paper's pipelines on MIMII (6 dB) with ImageNet weights, "
                "e.g. `aadbench run --dataset mimii --plugins resnet34,gmm`.")
    else:
        summary = tables.paper_summary(comp)
        cols = st.columns(3)
        cols[0].metric("cells compared", summary["cells"])
        cols[1].metric("mean difference (points)", f"{summary['mean_diff']:+.1f}")
        cols[2].metric("within ±5 points", f"{summary['within_5']} / {summary['cells']}")
        wide = tables.paper_wide(comp)
        st.dataframe(wide.style.map(_diff_style), hide_index=True, key="paper_table")
        with st.expander("All compared cells"):
            st.dataframe(comp.round(2), hide_index=True, key="paper_long")
        _download("Comparison CSV", lambda: comp.to_csv(index=False, float_format="%.3f"), "aadbench_vs_paper.csv",
                  "text/csv", "dl_paper")
    if not excluded.empty:
        st.caption("Not compared: " + ", ".join(f"{n} results {r}" for r, n in zip(excluded["reason"],
                                                                                   excluded["results"])))


def _diff_style(cell: object) -> str:
    try:
        diff = float(str(cell).rsplit("|", 1)[1])
    except (IndexError, ValueError):
        return ""
    if abs(diff) <= 5:
        return "color: #1b5e20"
    return "color: #e65100" if abs(diff) <= 10 else "color: #b71c1c; font-weight: bold"


def stats_tab(scoped: pd.DataFrame, dataset: str) -> None:
    """Friedman, Nemenyi (with the critical-difference diagram) and Wilcoxon over the pipelines in view,
    and the bootstrap 95% intervals of the AUCs."""
    from aadbench.leaderboard import stats

    comp = _comparison(scoped)
    if not comp.enough:
        st.info("Statistics need 2 pipelines or more on 2 machines or more; widen the filters.")
    else:
        st.altair_chart(charts.critical_difference(comp.ranks, comp.cd), key="cd_chart")
        st.caption("Average ranks over the machines (1 = best); pipelines closer than the red bar are not told "
                   "apart (Nemenyi, alpha 0.05). Hover a pipeline for its rank.")
        st.markdown(stats.to_markdown(dataset, comp))
    intervals = tables.interval_table(scoped)
    if not intervals.empty:
        st.markdown("**Bootstrap 95% intervals of the AUC** (test clips resampled within each class; mean of "
                    "the seeds' bounds, %)")
        st.dataframe(intervals, key="intervals")


def timing_tab(scoped: pd.DataFrame) -> None:
    timing = tables.timing_table(scoped)
    if timing.empty:
        st.info("No timings: no successful results match the filters.")
        return
    st.dataframe(timing.style.format(precision=2), hide_index=True, key="timing_table")
    _download("Timing CSV", lambda: timing.to_csv(index=False, float_format="%.4f"), "aadbench_timing.csv", "text/csv",
              "dl_timing")
    left, right = st.columns(2)
    with left:
        st.altair_chart(charts.extraction_speed(timing), key="extract_chart")
    with right:
        st.altair_chart(charts.job_times(timing), key="jobs_chart")


def roc_tab(db: str, sig: tuple, scoped: pd.DataFrame) -> None:
    ok = scoped[scoped["status"] == "ok"]
    if ok.empty:
        st.info("No successful results match the filters.")
        return
    rows = sorted(ok[["extractor", "detector", "weights"]].drop_duplicates().itertuples(index=False, name=None))
    row = st.selectbox("Pipeline", rows, format_func=lambda r: f"{r[0]} + {r[1]} ({r[2]})", key="roc_row")
    sel = ok[(ok["extractor"] == row[0]) & (ok["detector"] == row[1]) & (ok["weights"] == row[2])]
    cells = sorted(sel[["machine_type", "machine_id"]].drop_duplicates().itertuples(index=False, name=None))
    cell = st.selectbox("Machine", cells, format_func=" ".join, key="roc_cell")
    jobs = sel[(sel["machine_type"] == cell[0]) & (sel["machine_id"] == cell[1])].sort_values("seed")
    scores = _clip_scores(db, tuple(jobs["job_key"]), sig)
    if scores.empty:
        st.info("No per-clip scores are stored for this cell.")
        return
    scores = scores.merge(jobs[["job_key", "seed"]], on="job_key")
    seeds = sorted(scores["seed"].unique().tolist())
    shown = st.selectbox("Histogram of seed", seeds, key="roc_seed") if len(seeds) > 1 else seeds[0]
    left, right = st.columns([2, 3])
    with left:
        st.altair_chart(charts.roc(chart_data.roc_points(scores)), key="roc_chart")
    with right:
        bins = chart_data.score_bins(scores[scores["seed"] == shown])
        st.altair_chart(charts.histogram(bins, shown), key="histogram_chart")
    summary = []
    for job in jobs.itertuples():
        part = scores[scores["job_key"] == job.job_key]
        auc = tables.roc_curve(part["label"].to_numpy(), part["score"].to_numpy())[2]
        summary.append({"seed": job.seed, "clips": len(part), "AUC from scores (%)": auc * 100.0,
                        "stored AUC (%)": job.auc * 100.0, "stored pAUC (%)": job.pauc * 100.0})
    st.dataframe(pd.DataFrame(summary).round(2), hide_index=True, key="roc_summary")


def runs_tab(frame: pd.DataFrame, runs: pd.DataFrame) -> None:
    counts = frame.groupby("run_id").agg(results=("job_key", "size"), failed=("status", lambda s: (s != "ok").sum()))
    table = runs.merge(counts.reset_index(), on="run_id", how="left").fillna({"results": 0, "failed": 0})
    for col in ("started_at", "finished_at"):
        table[col] = table[col].fillna("").astype(str).str.slice(0, 19).str.replace("T", " ")
    table = tables.runs_table(table)
    st.dataframe(table[["run_id", "started_at", "finished_at", "status", "jobs", "command", "host", "device",
                        "results", "failed"]], hide_index=True, key="runs_table",
                 column_config={"run_id": st.column_config.TextColumn("run_id", pinned=True)})
    if runs.empty:
        return
    run_id = st.selectbox("Run details", runs["run_id"].tolist()[::-1], key="run_details")
    run = runs[runs["run_id"] == run_id].iloc[0]
    mine = frame[frame["run_id"] == run_id]
    st.markdown(f"**host** `{run['host']}` · **device** `{run['device']}` · **status** {run['status']} · "
                f"**command** `{run['command'] or '-'}`")
    weights = mine.groupby(["extractor", "weights", "pretrained"]).size().rename("results").reset_index()
    st.dataframe(weights, hide_index=True, key="run_weights")
    cols = st.columns(2)
    with cols[0]:
        st.caption("configuration")
        config = _json(run["config"])
        experiment = data.experiment_yaml(config)
        if experiment is not None:
            _download("Configuration as YAML", experiment, f"aadbench-{run_id}.yaml", "application/x-yaml",
                      "dl_run_yaml")
            st.caption(f"`aadbench run --config aadbench-{run_id}.yaml` plans this run's jobs again.")
        st.json(config, expanded=2)
    with cols[1]:
        st.caption("versions")
        st.json(_json(run["versions"]), expanded=2)


def _json(text: object) -> object:
    try:
        return json.loads(str(text))
    except ValueError:
        return {"text": str(text)}


def main() -> None:
    st.set_page_config(page_title="aadbench leaderboard", layout="wide")
    st.title("aadbench leaderboard")
    db = data.resolve_db(sys.argv[1:])
    state = data.db_state(db)
    if state.status != "ok":
        (st.error if state.status == "unreadable" else st.info)(state.message)
        st.button("Check again")
        return
    sig = data.db_signature(db)
    frame, runs = _results(str(db), sig), _runs(str(db), sig)
    dataset, selections, reload = sidebar(frame, runs)
    if reload:
        st.cache_data.clear()
    chosen = data.filter_results(frame, selections)
    scoped = chosen[chosen["dataset_label"] == dataset]
    st.caption(f"{state.message} · showing {len(scoped)} of them ({dataset})")
    tabs = st.tabs(TABS)
    with tabs[0]:
        leaderboard_tab(str(db), sig, scoped, dataset)
    with tabs[1]:
        stats_tab(scoped, dataset)
    with tabs[2]:
        paper_tab(chosen)
    with tabs[3]:
        timing_tab(scoped)
    with tabs[4]:
        roc_tab(str(db), sig, scoped)
    with tabs[5]:
        runs_tab(chosen, runs)


if __name__ == "__main__":
    main()
