"""Experiments as files: --print-config then --config gives the same configuration and the same job keys."""
import pytest
import yaml

from aadbench.cli import main

ARGS = ["--plugins", "squeezenet1_1,knn,mahalanobis", "--set", "knn.k=2", "--weights", "none", "--seeds", "2",
        "--machines", "fan", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=5",
        "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=1", "--set", "protocol.pooling=median"]


def test_print_config_then_config_round_trips_to_the_same_jobs(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite")
    assert main(["run", *ARGS, "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert "plugins:" in printed and "knn:" in printed and "pooling: median" in printed
    exp = tmp_path / "exp.yaml"
    exp.write_text(printed)
    assert main(["run", "--config", str(exp), "--print-config"]) == 0
    assert capsys.readouterr().out == printed, "the file resolves to itself"
    assert main(["run", *ARGS, "--no-progress", "--db", db]) == 0
    assert "4 computed" in capsys.readouterr().out
    assert main(["run", "--config", str(exp), "--no-progress", "--db", db]) == 0
    assert "0 computed, 4 already stored" in capsys.readouterr().out, "the same job keys"


def test_a_stored_run_exports_back_to_the_same_experiment_file(tmp_path, capsys):
    """The leaderboard's run details offer each run's configuration as YAML: the file it was run from."""
    import json

    from aadbench.leaderboard import data

    db = str(tmp_path / "r.sqlite")
    assert main(["run", *ARGS, "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert main(["run", *ARGS, "--no-progress", "--db", db]) == 0
    exported = data.experiment_yaml(json.loads(data.load_runs(db)["config"].iloc[0]))
    assert exported is not None and yaml.safe_load(exported) == yaml.safe_load(printed)
    exp = tmp_path / "from-the-leaderboard.yaml"
    exp.write_text(exported)
    assert main(["run", "--config", str(exp), "--no-progress", "--db", db]) == 0
    assert "0 computed, 4 already stored" in capsys.readouterr().out, "the same job keys"
    assert data.experiment_yaml({"run": "made by another tool"}) is None


def test_the_command_line_wins_over_the_file(tmp_path, capsys):
    exp = tmp_path / "exp.yaml"
    exp.write_text("plugins: [squeezenet1_1, knn]\nseeds: 3\nset:\n  knn: {k: 4}\n")
    assert main(["run", "--config", str(exp), "--set", "knn.k=2", "--print-config"]) == 0
    out = capsys.readouterr().out
    assert "seeds: 3" in out and "k: 2" in out


def test_an_option_given_at_its_default_value_still_wins(tmp_path, capsys):
    exp = tmp_path / "exp.yaml"
    exp.write_text("plugins: [squeezenet1_1, knn]\nseeds: 3\ndevice: cpu\n")
    assert main(["run", "--config", str(exp), "--seeds", "5", "--device", "auto", "--print-config"]) == 0
    out = yaml.safe_load(capsys.readouterr().out)
    assert out["seeds"] == 5 and out["device"] == "auto"
    assert main(["run", "--config", str(exp), "--print-config"]) == 0  # the file's, where nothing is given
    out = yaml.safe_load(capsys.readouterr().out)
    assert out["seeds"] == 3 and out["device"] == "cpu"
    assert main(["run", "--plugins", "squeezenet1_1,knn", "--print-config"]) == 0  # the defaults, without a file
    out = yaml.safe_load(capsys.readouterr().out)
    assert out["seeds"] == 5 and out["device"] == "auto"


def test_a_bad_file_says_what_is_wrong(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plugins: [resnet18, gmm]\nseed: 3\n")
    assert main(["run", "--config", str(bad)]) == 2
    assert "unknown setting 'seed'" in capsys.readouterr().err
    bad.write_text("plugins: [resnet18\n")
    assert main(["run", "--config", str(bad)]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--config"])
