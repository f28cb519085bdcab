"""``aadbench export`` and ``aadbench leaderboard`` (the command modules, on the fixture database)."""
import argparse
from io import StringIO

import pandas as pd
import pytest

from aadbench import cli
from aadbench.cli import export_cmd, leaderboard_cmd


@pytest.fixture
def main(monkeypatch):
    """``aadbench.cli.main`` with both commands registered (whether or not COMMANDS has them)."""
    extra = tuple(m for m in (export_cmd, leaderboard_cmd) if m not in cli.COMMANDS)
    monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + extra)
    return cli.main


def test_export_md_prints_the_table_in_the_papers_layout(main, leaderboard_db, capsys):
    assert main(["export", "--format", "md", "--db", str(leaderboard_db)]) == 0
    out = capsys.readouterr().out
    assert "### mimii 6 dB: AUC (%)" in out and "### synthetic: AUC (%)" in out
    assert "| extractor | detector | weights | fan id_00 | fan id_02 | fan avg | avg | rank | seeds |" in out
    assert ("| resnet34 | gmm | imagenet | **81.0 ± 1.4** | **92.0 ± 2.8** | **86.5 ± 2.1** | **86.5 ± 2.1** "
            "| 1 | 2 |") in out
    assert "| resnet34 | gmm | random | 99.0 | 97.0 | 98.0 | 98.0 | 1 | 1 |" in out.split("### synthetic")[1]


def test_export_through_a_parser_built_from_add_parser(leaderboard_db, capsys):
    parser = argparse.ArgumentParser()
    export_cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(["export", "--format", "md", "--db", str(leaderboard_db), "--dataset", "mimii 6 dB",
                              "--metric", "pauc", "--extractors", "alexnet"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "### mimii 6 dB: pAUC (%)" in out and "synthetic" not in out and "resnet34" not in out
    assert "| alexnet | gmm | imagenet | 51.0 ± 1.4 |" in out  # one row: nothing to mark


def test_export_csv_and_latex_to_a_file(main, leaderboard_db, tmp_path, capsys):
    target = tmp_path / "t.csv"
    assert main(["export", "--format", "csv", "--db", str(leaderboard_db), "--output", str(target)]) == 0
    long = pd.read_csv(target)
    assert set(long["dataset"]) == {"mimii 6 dB", "synthetic"} and set(long["metric"]) == {"auc"}
    hit = long[(long["dataset"] == "mimii 6 dB") & (long["extractor"] == "alexnet") & (long["machine_id"] == "id_00")]
    assert hit[["mean", "mark"]].values.tolist() == [[61.0, "second"]]
    assert main(["export", "--format", "latex", "--db", str(leaderboard_db), "--seeds", "0"]) == 0
    out = capsys.readouterr().out
    assert "\\begin{tabular}" in out and "\\textbf{80.0}" in out and "\\toprule" in out


def test_export_paper_and_timing_tables(main, leaderboard_db, capsys):
    assert main(["export", "--table", "paper", "--format", "csv", "--db", str(leaderboard_db)]) == 0
    comp = pd.read_csv(StringIO(capsys.readouterr().out))
    assert len(comp) == 4 and comp["diff"].round(1).tolist() == [3.3, 6.3, 22.3, 26.4]
    assert main(["export", "--table", "timing", "--db", str(leaderboard_db), "--dataset", "synthetic"]) == 0
    assert "| resnet34 | gmm | cpu | 2 | 20.00 |" in capsys.readouterr().out


def test_export_errors(main, leaderboard_db, tmp_path, capsys):
    assert main(["export", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["export", "--db", str(leaderboard_db), "--dataset", "mimii 0 dB"]) == 2
    assert "'mimii 6 dB'" in capsys.readouterr().err
    assert main(["export", "--db", str(leaderboard_db), "--dataset", "synthetic", "--metric", "official"]) == 2
    assert "no official DCASE score" in capsys.readouterr().err


def test_export_of_an_empty_database(main, empty_db, capsys):
    assert main(["export", "--db", str(empty_db)]) == 0
    captured = capsys.readouterr()
    assert "(no results)" in captured.out and "no results yet" in captured.err


def test_leaderboard_starts_streamlit_on_the_app(main, tmp_path, monkeypatch, capsys):
    calls = []

    class Server:
        def __init__(self, cmd):
            calls.append(cmd)

        def wait(self, timeout=None):
            return 0

        def poll(self):
            return 0
    monkeypatch.setattr(leaderboard_cmd.subprocess, "Popen", Server)
    db = tmp_path / "none.sqlite"
    assert main(["leaderboard", "--db", str(db), "--port", "8777"]) == 0
    (cmd,) = calls
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("leaderboard/app.py")
    assert cmd[cmd.index("--server.port") + 1] == "8777" and cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[-3:] == ["--", "--db", str(db.resolve())]
    captured = capsys.readouterr()
    assert "No results database" in captured.err and "http://localhost:8777/" in captured.out


def test_export_html_is_one_self_contained_page(main, leaderboard_db, tmp_path, capsys):
    import json
    import re

    target = tmp_path / "board.html"
    assert main(["export", "--format", "html", "--db", str(leaderboard_db), "-o", str(target)]) == 0
    page = target.read_text(encoding="utf-8")
    assert "81.0 ± 1.4" in page and "92.0 ± 2.8" in page  # the table, with its marks styled
    assert re.search(r'<td style="background-color: #1b5e20[^"]*">81\.0 ± 1\.4</td>', page)
    assert "<th>clips/s</th>" in page and "<th>fit s</th>" in page  # timing beside the AUCs
    # nothing is fetched: no external scripts, styles or images; the Vega libraries are inside
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
    assert "vegaEmbed" in page
    specs = json.loads(re.search(r"const specs = (\[.*?\]);\n", page, re.S)[1])
    titles = [s.get("title") for s in specs]
    assert titles.count("AUC (%) per machine and pipeline") == 2  # one heatmap per dataset
    assert "Accuracy against speed (dashed: the Pareto front)" in titles
    assert "Critical-difference diagram" in titles
    assert page.count('<div class="chart" id="chart-') == len(specs)


def test_export_html_follows_the_filters(main, leaderboard_db, capsys):
    assert main(["export", "--format", "html", "--db", str(leaderboard_db), "--dataset", "synthetic"]) == 0
    page = capsys.readouterr().out
    assert "99.0" in page and "81.0 ± 1.4" not in page
    assert main(["export", "--format", "html", "--db", str(leaderboard_db), "--extractors", "nothing"]) == 1
    assert "no results match" in capsys.readouterr().err


def test_export_html_of_a_wide_board_shows_the_type_averages_first(main, wide_db, capsys):
    assert main(["export", "--format", "html", "--db", str(wide_db)]) == 0
    page = capsys.readouterr().out
    averages, details = page.index("<th>valve avg</th>"), page.index("<summary>every machine ID</summary>")
    assert averages < details < page.index("<th>valve id_06</th>")  # every ID, folded away


def test_export_html_says_what_to_do_when_it_cannot_write_a_page(main, leaderboard_db, monkeypatch, capsys):
    import sys

    monkeypatch.setattr(export_cmd, "_on_terminal", lambda: True)  # a terminal: a page is no use there
    assert main(["export", "--format", "html", "--db", str(leaderboard_db)]) == 2
    assert "-o board.html" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # the leaderboard extra not installed
    assert main(["export", "--format", "html", "--db", str(leaderboard_db), "-o", "x.html"]) == 2
    assert "pip install 'aadbench[leaderboard]'" in capsys.readouterr().err
