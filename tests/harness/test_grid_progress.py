"""The grid's overall progress bar: every detector job the run computes, settled by any executor."""
import re
from types import SimpleNamespace

import pytest

from aadbench import progress
from aadbench.cli import main
from aadbench.harness.pipeline import RunReport, _Sink
from aadbench.harness.store import ResultStore

GRID = ["run", "--plugins", "mel-patches,gmm,knn", "--set", "gmm.n_components=1", "--set", "knn.k=1",
        "--set", "synthetic.machines=fan", "--set", "synthetic.ids=id_00,id_02", "--set", "synthetic.n_normal=4",
        "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=1"]


def _grid_lines(err: str) -> list[str]:
    """What the grid's bar drew, update by update (tqdm rewrites its line with carriage returns)."""
    return [part.strip() for part in re.split(r"[\r\n]", err) if part.strip().startswith("grid:")]


@pytest.mark.parametrize("jobs", ["1", "2"])  # in the coordinator, then in pool worker processes
def test_the_grid_bar_counts_the_jobs_the_run_computes_up_to_all_of_them(tmp_path, capsys, jobs):
    db = str(tmp_path / "r.sqlite")
    with progress.force():
        assert main([*GRID, "--seeds", "2", "--jobs", jobs, "--db", db]) == 0
    lines = _grid_lines(capsys.readouterr().err)
    assert lines[0].startswith("grid: 0/8 jobs done, 8 left, ETA"), lines
    assert lines[-1].startswith("grid: 8/8 jobs done, 0 left, ETA"), lines
    done = [int(line.split()[1].split("/")[0]) for line in lines]
    assert done == sorted(done), "it only moves forward"

    with progress.force():  # a third seed: only its 4 jobs are computed, the 8 stored ones are not counted
        assert main([*GRID, "--seeds", "3", "--jobs", jobs, "--db", db]) == 0
    lines = _grid_lines(capsys.readouterr().err)
    assert lines[0].startswith("grid: 0/4 jobs done, 4 left") and lines[-1].startswith("grid: 4/4 jobs done")

    with progress.force():  # nothing left to compute: no bar
        assert main([*GRID, "--seeds", "3", "--db", db]) == 0
    assert _grid_lines(capsys.readouterr().err) == []


def test_failed_jobs_advance_the_bar_and_no_progress_draws_none(tmp_path, capsys):
    with progress.force():
        assert main([*GRID, "--set", "gmm.n_components=50", "--seeds", "1", "--db", str(tmp_path / "a.sqlite")]) == 1
    out = capsys.readouterr()
    assert "2 computed, 0 already stored, 2 failed" in out.out
    assert _grid_lines(out.err)[-1].startswith("grid: 4/4 jobs done, 0 left"), "failures are settled jobs too"

    with progress.force():  # the run's progress is off: forcing does not turn it on
        assert main([*GRID, "--seeds", "1", "--no-progress", "--db", str(tmp_path / "b.sqlite")]) == 0
    err = capsys.readouterr().err
    assert "jobs done" not in err and "\r" not in err


def test_jobs_another_run_claimed_leave_the_total(tmp_path, capsys):
    with ResultStore(tmp_path / "r.sqlite") as store:
        for run in ("other", "mine"):
            store.start_run(run, command="", config={}, versions={}, host="here", device="cpu")
        assert store.claim("other", ["b"]) == ["b"]
        work = SimpleNamespace(extraction=SimpleNamespace(data_digest=None),
                               detectors=tuple(SimpleNamespace(key=k) for k in "abc"))
        with progress.force(), progress.bar(total=3, desc="grid", unit="job", position=0, leave=True,
                                            bar_format=progress.GRID_FORMAT) as overall:
            sink = _Sink(store, RunReport("mine"), {}, progress=overall)
            claimed = sink.claim(work)
            assert [j.key for j in claimed.detectors] == ["a", "c"]
            assert overall.total == 2 and sink.report.elsewhere == 1
            sink._settled()
            assert str(overall).startswith("grid: 1/2 jobs done, 1 left, ETA")


def test_the_left_field_of_a_bar_is_what_is_still_to_go(capsys):
    with progress.force(), progress.bar(total=5, desc="x", bar_format="{desc}: {left} left") as b:
        b.update(2)
        assert str(b) == "x: 3 left"
    capsys.readouterr()
    with progress.force(), progress.bar(total=5, desc="x", enabled=False, bar_format="{left} left") as off:
        off.update(2)  # a disabled bar takes updates and draws nothing
    assert capsys.readouterr().err == ""
