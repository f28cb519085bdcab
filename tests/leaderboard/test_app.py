"""The Streamlit app through streamlit.testing's AppTest, on the fixture database (conftest.py)."""
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from aadbench.leaderboard import APP_PATH

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _app(db, monkeypatch):
    monkeypatch.setenv("AADBENCH_DB", str(db))
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def app(leaderboard_db, monkeypatch):
    return _app(leaderboard_db, monkeypatch)


def _table(at, *columns, without=()):
    """The first dataframe that has all these columns and none of ``without``."""
    for df in at.dataframe:
        if set(columns) <= set(df.value.columns) and not set(without) & set(df.value.columns):
            return df
    raise AssertionError(f"no dataframe with columns {columns}")


def _cell(frame, extractor, column, weights="imagenet"):
    hit = frame[(frame["extractor"] == extractor) & (frame["weights"] == weights)]
    assert len(hit) == 1, frame
    return hit.iloc[0][column]


def _styles(df):
    """(row, column) -> CSS of a Styler-styled st.dataframe."""
    out = {}
    for selectors, css in re.findall(r"([^{}]+)\{([^}]*)\}", df.proto.arrow_data.styler.styles):
        for sel in selectors.split(","):
            m = re.search(r"row(\d+)_col(\d+)", sel)
            if m:
                out[(int(m[1]), int(m[2]))] = css.strip()
    return out


def test_main_table_values(app):
    assert app.selectbox(key="dataset").value == "mimii 6 dB"
    main = app.dataframe[0].value
    assert _cell(main, "resnet34", "fan id_00") == "81.0 ± 1.4"
    assert _cell(main, "resnet34", "fan id_02") == "92.0 ± 2.8"
    assert _cell(main, "alexnet", "avg") == "64.5 ± 0.7"
    assert _cell(main, "resnet34", "fan avg", weights="random") == "52.5"
    assert _cell(main, "resnet34", "rank") == "1" and _cell(main, "resnet34", "rank", "random") == "3"
    assert any("random" in w.value for w in app.warning)


def test_best_and_second_best_are_highlighted(app):
    df = app.dataframe[0]
    main = df.value
    styles = _styles(df)
    col = list(main.columns).index("fan id_00")
    best = main.index[(main["extractor"] == "resnet34") & (main["weights"] == "imagenet")][0]
    second = main.index[main["extractor"] == "alexnet"][0]
    plain = main.index[main["weights"] == "random"][0]
    assert "font-weight: bold" in styles[(best, col)] and "#1b5e20" in styles[(best, col)]
    assert "#a5d6a7" in styles[(second, col)]
    assert (plain, col) not in styles
    assert (best, list(main.columns).index("extractor")) not in styles


def test_metric_switch_to_pauc(app):
    assert app.radio(key="metric").options == ["AUC (%)", "pAUC (%)"]  # no official score for MIMII
    app.radio(key="metric").set_value("pauc").run()
    assert _cell(app.dataframe[0].value, "resnet34", "fan id_00") == "71.0 ± 1.4"


def test_filters(app):
    app.multiselect(key="extractor").set_value(["alexnet"]).run()
    main = app.dataframe[0].value
    assert main["extractor"].tolist() == ["alexnet"]
    app.multiselect(key="extractor").set_value([]).run()
    app.multiselect(key="seed").set_value([0]).run()
    main = app.dataframe[0].value
    assert _cell(main, "resnet34", "fan id_00") == "80.0" and _cell(main, "alexnet", "fan id_02") == "70.0"
    app.multiselect(key="weights").set_value(["random"]).run()
    assert app.dataframe[0].value["weights"].tolist() == ["random"]


def test_dataset_switch_marks_synthetic_data(app):
    app.selectbox(key="dataset").set_value("synthetic").run()
    main = app.dataframe[0].value
    assert _cell(main, "resnet34", "fan id_00", "random") == "99.0"
    assert any("Synthetic data" in w.value for w in app.warning)


def test_paper_comparison(app):
    wide = _table(app, "extractor", "detector", "fan id_00", without=["weights"]).value.assign(weights="-")
    assert _cell(wide, "alexnet", "fan id_00", "-") == "61.0 | 57.7 | +3.3"
    assert _cell(wide, "resnet34", "fan id_02", "-") == "92.0 | 65.6 | +26.4"
    long = _table(app, "ours", "paper", "diff").value.set_index(["extractor", "machine_id"])
    assert long.loc[("resnet34", "id_00"), "ours"] == pytest.approx(81.0)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["cells compared"] == "4" and metrics["within ±5 points"] == "1 / 4"
    caption = " ".join(c.value for c in app.caption)
    assert "2 results with random weights" in caption and "2 results on synthetic data" in caption


def test_paper_comparison_keeps_out_random_weights(app):
    app.multiselect(key="weights").set_value(["random"]).run()
    assert any("No comparable results" in i.value for i in app.info)


def test_timing_roc_and_runs_tabs(app):
    timing = _table(app, "extract ms/clip").value.set_index(["extractor", "device"])
    assert timing.loc[("alexnet", "cuda:0"), "extract ms/clip"] == pytest.approx(10.0)
    roc = _table(app, "AUC from scores (%)", "stored AUC (%)").value
    assert roc["AUC from scores (%)"].tolist() == roc["stored AUC (%)"].tolist() == [60.0, 62.0]  # alexnet id_00, %
    runs = _table(app, "run_id", "host", "failed").value.set_index("run_id")
    assert runs.loc["random", "failed"] == 1 and runs.loc["imagenet", "results"] == 8
    assert runs.loc["rerun", "status"] == "up to date" and runs.loc["rerun", "jobs"] == "up to date: 8 stored"
    assert len(app.json) == 2


def test_timing_columns_beside_the_aucs(app):
    assert "clips/s" not in app.dataframe[0].value.columns  # off by default
    app.toggle(key="timing_columns").set_value(True).run()
    main = app.dataframe[0].value
    assert list(main.columns)[-4:] == ["clips/s", "fit s", "rank", "seeds"]
    # conftest: alexnet extracts a 100-clip task in 1 s, resnet34 in 2 s; every fit takes 0.5 s
    assert _cell(main, "alexnet", "clips/s") == "100" and _cell(main, "resnet34", "clips/s") == "50.0"
    assert _cell(main, "resnet34", "fit s") == "0.50"
    assert _cell(main, "resnet34", "fan id_00") == "81.0 ± 1.4"  # the AUCs stay


def test_machine_types_view_keeps_only_the_averages(app):
    app.radio(key="detail").set_value("machine types").run()
    main = app.dataframe[0].value
    assert list(main.columns) == ["extractor", "detector", "weights", "fan avg", "avg", "rank", "seeds"]
    assert _cell(main, "resnet34", "fan avg") == "86.5 ± 2.1"


def test_the_name_columns_are_pinned(app):
    config = json.loads(app.dataframe[0].proto.columns)
    assert all(config[key]["pinned"] for key in ("extractor", "detector", "weights"))


def test_a_board_with_many_machine_ids_shows_the_type_averages_first(wide_db, monkeypatch):
    at = _app(wide_db, monkeypatch)
    assert at.radio(key="detail").value == "machine types"
    assert [c for c in at.dataframe[0].value.columns if c.endswith("avg")] == [
        "fan avg", "pump avg", "slider avg", "valve avg", "avg"]
    at.radio(key="detail").set_value("machine IDs").run()
    assert "valve id_06" in at.dataframe[0].value.columns  # every ID on demand


def _charts(at) -> dict[str, dict]:
    """Vega-Lite charts on the page by title, as their specs."""
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    return {str(s.get("title")): s for s in specs}


def test_the_charts_are_interactive_vega_lite(app):
    titles = set(_charts(app))
    assert {"AUC (%) per machine and pipeline", "Accuracy against speed (dashed: the Pareto front)",
            "Extraction time per clip", "Fit and score time per job", "ROC", "Score distribution, seed 0",
            "Critical-difference diagram"} <= titles
    assert "Critical-difference diagram" in titles
    assert not app.get("image")  # no static pictures left


def test_downloads(app):
    labels = [b.label for b in app.get("download_button")]
    assert {"CSV", "Markdown", "LaTeX", "Comparison CSV", "Timing CSV"} <= set(labels)


def test_missing_database_gets_a_helpful_message(tmp_path, monkeypatch):
    at = _app(tmp_path / "nowhere.sqlite", monkeypatch)
    assert "No results database" in at.info[0].value and "aadbench run" in at.info[0].value
    assert not at.dataframe


def test_empty_database_gets_a_helpful_message(empty_db, monkeypatch):
    at = _app(empty_db, monkeypatch)
    assert "holds no results yet" in at.info[0].value


def test_the_app_never_imports_torch(leaderboard_db):
    code = textwrap.dedent(f"""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({str(APP_PATH)!r}, default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        at.radio(key="metric").set_value("pauc").run()
        print("TORCH" if "torch" in sys.modules else "NO-TORCH")
    """)
    env = {**os.environ, "AADBENCH_DB": str(leaderboard_db)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "NO-TORCH"


def test_the_statistics_tab_compares_the_pipelines_in_view(app):
    text = " ".join(m.value for m in app.markdown)
    assert "3 pipelines over 2 machines" in text and "Friedman chi-square" in text and "Wilcoxon signed-rank" in text
    assert "Critical-difference diagram" in _charts(app)
