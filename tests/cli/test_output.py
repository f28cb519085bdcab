"""Output that suits pipes and logs: a closed pipe ends quietly, no progress updates off a terminal."""
import os
import subprocess
import sys

ENV = {**os.environ, "AADBENCH_NO_ENTRY_POINTS": "1", "AADBENCH_OFFLINE": "1"}


def test_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "aadbench", "list", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV)
    first = proc.stdout.readline()  # as `| head -1` does
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0 and first.strip()
    assert err == b"", err.decode()


def test_a_piped_run_writes_no_progress_updates(tmp_path):
    cmd = [sys.executable, "-m", "aadbench", "run", "--plugins", "squeezenet1_1,knn", "--set", "knn.k=2",
           "--weights", "none", "--seeds", "1", "--machines", "fan", "--set", "synthetic.ids=id_00",
           "--set", "synthetic.n_normal=4", "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=1",
           "--jobs", "1", "--db", str(tmp_path / "r.sqlite")]
    # bytes, not text: text mode would turn every carriage return into a newline
    quiet = subprocess.run(cmd, capture_output=True, env={**ENV, "AADBENCH_CACHE": str(tmp_path / "c1")})
    assert quiet.returncode == 0 and b"\r" not in quiet.stderr and b"\r" not in quiet.stdout
    assert b"jobs done" not in quiet.stderr, "nor the grid's overall bar"
    forced = subprocess.run([cmd[0], cmd[1], cmd[2], "--progress", *cmd[3:-1], str(tmp_path / "r2.sqlite")],
                            capture_output=True, env={**ENV, "AADBENCH_CACHE": str(tmp_path / "c2")})
    assert forced.returncode == 0 and b"\r" in forced.stderr, "--progress draws them anyway"
    assert b"grid: 1/1 jobs done, 0 left" in forced.stderr, "the grid's overall bar too"


def test_list_prints_aligned_columns_that_fit_the_terminal():
    out = subprocess.run([sys.executable, "-m", "aadbench", "list"], capture_output=True, text=True,
                         env={**ENV, "COLUMNS": "100"}, timeout=120)
    assert out.returncode == 0
    lines = [line for line in out.stdout.splitlines() if line.startswith("  ")]
    assert lines and all(len(line) <= 100 for line in lines), max(lines, key=len)
    sections = out.stdout.split("\n\n")
    extractors = next(s for s in sections if s.startswith("extractors:")).splitlines()
    start = extractors[1].index("description")
    assert all(line[start - 2: start] == "  " for line in extractors[2:]), "one description column"
    assert "resnet34" in out.stdout and "[image]" not in out.stdout
