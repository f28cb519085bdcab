"""The leaderboard app: ``streamlit run app.py -- --db PATH`` (or ``$AADBENCH_DB``), started by
``aadbench leaderboard``. Reads the results store read-only; never imports torch."""
from __future__ import annotations

import io
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import streamlit as st

from aadbench.leaderboard import data, tables

STYLES = {"best": "background-color: #1b5e20; color: #ffffff; font-weight: bold",
          "second": "background-color: #a5d6a7; color: #000000"}
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


def _download(label: str, make, name: str, mime: str, key: str) -> None:
    """A download whose content ``make()`` builds only when clicked."""
    st.download_button(label, make, file_name=name, mime=mime, key=key, on_click="ignore")


@st.cache_data(max_entries=32)
def _png(kind: str, frame: pd.DataFrame, caption: str = "") -> bytes:
    """A chart as PNG bytes, drawn once per content: matplotlib is the slow part of a rerun."""
    fig = _roc_figure(frame, caption) if kind == "roc" else _timing_figure(frame, kind)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


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
    metric = st.radio("Metric", tables.available_metrics(scoped), format_func=tables.METRICS.get,
                      key="metric", horizontal=True)
    metric = str(metric or "auc")
    if metric == "official":
        scoped = _with_metrics(db, scoped, sig)
    board = tables.leaderboard(scoped, metric, title=f"{dataset}: {tables.METRICS[metric]}")
    _notes(scoped, dataset)
    if board.empty:
        st.info("No successful results match the filters.")
    else:
        text, marks = board.text(), board.flat_marks()
        styler = text.style.apply(lambda _: marks.replace(STYLES), axis=None)
        st.dataframe(styler, hide_index=True, key="main_table")
        st.caption("Mean ± std over seeds. Dark green: best of the column, light green: second best. "
                   "rank: by the overall average.")
        cols = st.columns([1, 1, 1, 5])
        stem = f"aadbench_{dataset.replace(' ', '_')}_{metric}"
        with cols[0]:
            _download("CSV", lambda: tables.to_csv(board), f"{stem}.csv", "text/csv", "dl_csv")
        with cols[1]:
            _download("Markdown", lambda: tables.to_markdown(board), f"{stem}.md", "text/markdown", "dl_md")
        with cols[2]:
            _download("LaTeX", lambda: tables.to_latex(board), f"{stem}.tex", "text/x-tex", "dl_tex")
    failed = scoped[scoped["status"] != "ok"]
    if not failed.empty:
        with st.expander(f"{len(failed)} failed jobs"):
            st.dataframe(failed[["run_id", "extractor", "detector", "machine_type", "machine_id", "seed", "error"]],
                         hide_index=True)


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
    import io

    from aadbench.leaderboard import stats

    comp = stats.compare(scoped)
    if comp.table.shape[1] < 2 or comp.table.shape[0] < 2:
        st.info("Statistics need 2 pipelines or more on 2 machines or more; widen the filters.")
    else:
        image = io.BytesIO()
        stats.cd_diagram(comp, image)
        st.image(image.getvalue(), caption="Critical-difference diagram: average ranks (1 = best); pipelines "
                                           "closer than the red bar are not told apart (Nemenyi, alpha 0.05).")
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
    left.image(_png("extract", timing))
    right.image(_png("jobs", timing))


def _timing_figure(timing: pd.DataFrame, kind: str):
    """Extraction ms per clip per extractor and device, or fit + score seconds per job."""
    if kind == "extract":
        ext = timing.drop_duplicates(["extractor", "device"])
        fig, ax = plt.subplots(figsize=(5.5, 0.35 * len(ext) + 1.2))
        ax.barh(ext["extractor"] + " @ " + ext["device"], ext["extract ms/clip"], color="#1565c0")
        ax.set_xlabel("extraction ms per clip")
    else:
        fig, ax = plt.subplots(figsize=(5.5, 0.35 * len(timing) + 1.4))
        names = timing["extractor"] + " + " + timing["detector"] + " @ " + timing["device"]
        ax.barh(names, timing["fit s"], color="#2e7d32", label="fit")
        ax.barh(names, timing["score s"], left=timing["fit s"], color="#f9a825", label="score")
        ax.set_xlabel("seconds per job")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


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
    st.image(_png("roc", scores, str(shown)))
    summary = []
    for job in jobs.itertuples():
        part = scores[scores["job_key"] == job.job_key]
        auc = tables.roc_curve(part["label"].to_numpy(), part["score"].to_numpy())[2]
        summary.append({"seed": job.seed, "clips": len(part), "AUC from scores": auc, "stored AUC": job.auc,
                        "stored pAUC": job.pauc})
    st.dataframe(pd.DataFrame(summary).round(4), hide_index=True, key="roc_summary")


def _roc_figure(scores: pd.DataFrame, seed: str):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for value, part in scores.groupby("seed"):
        fpr, tpr, auc = tables.roc_curve(part["label"].to_numpy(), part["score"].to_numpy())
        ax1.plot(fpr, tpr, label=f"seed {value} (AUC {auc:.3f})")
    ax1.plot([0, 1], [0, 1], ls=":", color="grey")
    ax1.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax1.legend(loc="lower right")
    _histogram(ax2, scores[scores["seed"].astype(str) == seed], seed)
    fig.tight_layout()
    return fig


def _histogram(ax, part: pd.DataFrame, seed: str) -> None:
    normal, anomalous = part.loc[part["label"] == 0, "score"], part.loc[part["label"] == 1, "score"]
    bins = 30 if len(part) > 60 else 12
    ax.hist(normal, bins=bins, alpha=0.6, color="#1565c0", label=f"normal ({len(normal)})")
    ax.hist(anomalous, bins=bins, alpha=0.6, color="#c62828", label=f"anomalous ({len(anomalous)})")
    ax.set(xlabel="anomaly score", ylabel="clips", title=f"score histogram, seed {seed}")
    ax.legend()


def runs_tab(frame: pd.DataFrame, runs: pd.DataFrame) -> None:
    counts = frame.groupby("run_id").agg(results=("job_key", "size"), failed=("status", lambda s: (s != "ok").sum()))
    table = runs.merge(counts.reset_index(), on="run_id", how="left").fillna({"results": 0, "failed": 0})
    for col in ("started_at", "finished_at"):
        table[col] = table[col].fillna("").astype(str).str.slice(0, 19).str.replace("T", " ")
    table = tables.runs_table(table)
    st.dataframe(table[["run_id", "started_at", "finished_at", "status", "jobs", "command", "host", "device",
                        "results", "failed"]], hide_index=True, key="runs_table")
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
        st.json(_json(run["config"]), expanded=2)
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
