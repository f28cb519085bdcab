"""The leaderboard's interactive charts (Altair, Vega-Lite): drawn from ``chart_data``'s frames, shown
by the app with ``st.altair_chart`` and written into the exported page as Vega-Lite specs.

Every AUC is in percent, as in the tables.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

NORMAL, ANOMALOUS = "#1565c0", "#c62828"
CLASS_SCALE = alt.Scale(domain=["normal", "anomalous"], range=[NORMAL, ANOMALOUS])
WIDTH = 520


def pareto(points: pd.DataFrame, value_title: str = "AUC (%)") -> alt.LayerChart:
    """AUC against extraction clips per second (log scale), the Pareto front drawn as a step line
    through the pipelines no other one beats on both; hover names the pipeline."""
    known = points[points["clips/s"].notna()]
    # room on the log axis: a little to the left, more to the right for the names of the front
    x_scale = (alt.Scale(type="log", nice=False, domain=[float(known["clips/s"].min()) / 1.5,
                                                         float(known["clips/s"].max()) * 3.0])
               if not known.empty else alt.Scale(type="log"))
    base = alt.Chart(known)
    hover = [alt.Tooltip("pipeline:N"), alt.Tooltip("value:Q", title=value_title, format=".1f"),
             alt.Tooltip("clips/s:Q", title="extraction clips/s", format=".3g"),
             alt.Tooltip("fit s:Q", title="fit s per job", format=".3g"), alt.Tooltip("devices:N"),
             alt.Tooltip("pareto:N", title="on the Pareto front")]
    dots = base.mark_point(size=110, opacity=0.85, filled=True).encode(
        x=alt.X("clips/s:Q", scale=x_scale,
                title="extraction throughput (clips/s, log scale)"),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=False, padding=20)),
        color=alt.Color("detector:N", title="detector"),
        shape=alt.Shape("extractor:N", title="extractor"),
        tooltip=hover)
    front = base.transform_filter(alt.datum.pareto).mark_line(
        interpolate="step-after", color="#555555", strokeDash=[4, 3]).encode(
        x="clips/s:Q", y="value:Q", order=alt.Order("clips/s:Q", sort="descending"))
    names = base.transform_filter(alt.datum.pareto).mark_text(align="left", dx=8, dy=-6, fontSize=11).encode(
        x="clips/s:Q", y="value:Q", text="pipeline:N")
    return (front + dots + names).properties(
        width=WIDTH, height=320, title="Accuracy against speed (dashed: the Pareto front)").interactive()


def heatmap(cells: pd.DataFrame, value_title: str = "AUC (%)") -> alt.LayerChart:
    """Machine x pipeline, coloured by the value with the value written in each cell (the colours span
    50-100, or down to the lowest value where some pipeline does worse than chance)."""
    low = min(50.0, float(np.floor(cells["value"].min() / 10) * 10)) if not cells.empty else 50.0
    base = alt.Chart(cells).encode(
        x=alt.X("machine:N", title="machine (type/ID)", axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("pipeline:N", title=None, axis=alt.Axis(labelLimit=320)))
    rect = base.mark_rect().encode(
        color=alt.Color("value:Q", title=value_title, scale=alt.Scale(scheme="viridis", domain=[low, 100],
                                                                     clamp=True)),
        tooltip=[alt.Tooltip("pipeline:N"), alt.Tooltip("machine:N"),
                 alt.Tooltip("value:Q", title=value_title, format=".1f"), alt.Tooltip("seeds:Q")])
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("value:Q", format=".1f"),
        color=alt.condition(alt.datum.value > 80, alt.value("black"), alt.value("white")))
    return (rect + text).properties(width=alt.Step(66), height=alt.Step(30),
                                    title=f"{value_title} per machine and pipeline")


def roc(points: pd.DataFrame) -> alt.LayerChart:
    """One ROC curve per seed; the point nearest the pointer shows its rates and threshold."""
    base = alt.Chart(points).encode(
        x=alt.X("fpr:Q", title="false positive rate", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("tpr:Q", title="true positive rate", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("curve:N", title="seed"))
    nearest = alt.selection_point(on="pointerover", nearest=True, fields=["curve", "fpr", "tpr"], empty=False,
                                  clear="pointerout")
    lines = base.mark_line()
    marks = base.mark_circle(size=70).encode(
        opacity=alt.condition(nearest, alt.value(1.0), alt.value(0.0)),
        tooltip=[alt.Tooltip("curve:N", title="seed"), alt.Tooltip("fpr:Q", format=".3f"),
                 alt.Tooltip("tpr:Q", format=".3f"),
                 alt.Tooltip("threshold:Q", title="flagged at score ≥", format=".4g")]).add_params(nearest)
    chance = alt.Chart(pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0]})).mark_line(
        strokeDash=[2, 3], color="grey").encode(x="fpr:Q", y="tpr:Q")
    return (chance + lines + marks).properties(width=380, height=340, title="ROC")


def histogram(bins: pd.DataFrame, seed: object) -> alt.Chart:
    """Both classes side by side on shared bins; end bins with outliers are labelled as such."""
    order = bins.drop_duplicates("bin").sort_values("bin")["label"].tolist()
    spacing = "log-spaced bins" if (bins["scale"] == "log").any() else "shared bins"
    return alt.Chart(bins).mark_bar().encode(
        x=alt.X("label:N", sort=order, title=f"anomaly score ({spacing}; outliers in the end bins)",
                axis=alt.Axis(labelAngle=-45, labelLimit=220)),
        xOffset=alt.XOffset("class:N", sort=["normal", "anomalous"]),
        y=alt.Y("clips:Q", title="clips"),
        color=alt.Color("class:N", scale=CLASS_SCALE, title="class"),
        tooltip=[alt.Tooltip("label:N", title="scores"), alt.Tooltip("class:N"), alt.Tooltip("clips:Q")],
    ).properties(width=WIDTH, height=300, title=f"Score distribution, seed {seed}")


def extraction_speed(timing: pd.DataFrame) -> alt.Chart:
    """Extraction milliseconds per clip per extractor and device."""
    ext = timing.drop_duplicates(["extractor", "device"]).dropna(subset=["extract ms/clip"])
    return alt.Chart(ext).mark_bar(color=NORMAL).encode(
        x=alt.X("extract ms/clip:Q", title="extraction ms per clip"),
        y=alt.Y("extractor:N", title=None, sort="-x"), row=alt.Row("device:N", title=None),
        tooltip=["extractor:N", "device:N", alt.Tooltip("extract ms/clip:Q", format=".1f"),
                 alt.Tooltip("extract clips/s:Q", format=".3g")],
    ).properties(width=360, title="Extraction time per clip")


def job_times(timing: pd.DataFrame) -> alt.Chart:
    """Fit and score seconds per job (means), stacked, per pipeline and device."""
    long = timing.assign(pipeline=timing["extractor"] + " + " + timing["detector"] + " @ " + timing["device"])
    long = long.melt(id_vars=["pipeline"], value_vars=["fit s", "score s"], var_name="step", value_name="seconds")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("seconds:Q", title="seconds per job (mean)", stack="zero"),
        y=alt.Y("pipeline:N", title=None),
        color=alt.Color("step:N", scale=alt.Scale(domain=["fit s", "score s"], range=["#2e7d32", "#f9a825"])),
        tooltip=["pipeline:N", "step:N", alt.Tooltip("seconds:Q", format=".3g")],
    ).properties(width=360, title="Fit and score time per job")


def critical_difference(ranks: pd.Series, cd: float | None) -> alt.LayerChart:
    """Average ranks on an axis (1 = best, on the right) with each pipeline's name, and a red bar as
    long as the Nemenyi critical difference: pipelines closer than it are not told apart."""
    k = len(ranks)
    names = pd.DataFrame({"pipeline": ranks.index, "rank": ranks.to_numpy(), "level": range(k, 0, -1)})
    names["top"] = k + 1
    axis = alt.X("rank:Q", title="average rank (1 = best)", scale=alt.Scale(domain=[k + 0.3, 0.7]),
                 axis=alt.Axis(tickMinStep=1, orient="top"))
    base = alt.Chart(names)
    stems = base.mark_rule(color=NORMAL).encode(x=axis, y=alt.Y("level:Q", axis=None,
                                                                 scale=alt.Scale(domain=[0, k + 2])), y2="top:Q")
    dots = base.mark_circle(color=NORMAL, size=50).encode(x="rank:Q", y="top:Q",
                                                           tooltip=["pipeline:N", alt.Tooltip("rank:Q", format=".2f")])
    labels = base.mark_text(align="left", dx=4, dy=8, fontSize=11).encode(
        x="rank:Q", y="level:Q", text=alt.Text("label:N")).transform_calculate(
        label="datum.pipeline + ' (' + format(datum.rank, '.2f') + ')'")
    layers = [stems, dots, labels]
    if cd is not None:
        bar = pd.DataFrame({"x": [1.0], "x2": [1.0 + cd], "y": [k + 1.7], "text": [f"CD {cd:.2f}"]})
        layers.append(alt.Chart(bar).mark_rule(color=ANOMALOUS, strokeWidth=3).encode(x="x:Q", x2="x2:Q", y="y:Q"))
        layers.append(alt.Chart(bar).mark_text(color=ANOMALOUS, dy=-9, fontSize=11).encode(
            x=alt.X("x:Q"), y="y:Q", text="text:N"))
    return alt.layer(*layers).properties(width=WIDTH + 140, height=34 * k + 60, title="Critical-difference diagram")
