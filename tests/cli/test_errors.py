"""Errors at the command line: typed ones as one line and exit code 2, anything else named, exit code 1;
options reach the engine as parameters, never through the environment."""
import os

import pytest

from aadbench import errors
from aadbench.cli import main, print_error, run_cmd


def _fail_with(monkeypatch, exc):
    def boom(args):
        raise exc
    monkeypatch.setattr(run_cmd, "run", boom)


@pytest.mark.parametrize("exc", [errors.ConfigError("bad choice"), errors.DataError("bad folder"),
                                 errors.WeightsUnavailableError("no weights"), errors.StoreError("newer schema"),
                                 errors.TaskError("unreadable test clips"), errors.ContractError("wrong shape")])
def test_every_aadbench_error_is_one_line_and_exit_code_2(monkeypatch, capsys, exc):
    _fail_with(monkeypatch, exc)
    assert main(["run", "--plugins", "resnet18,gmm"]) == 2
    err = capsys.readouterr().err
    assert err == f"aadbench: error: {exc}\n"


def test_a_bug_is_named_with_its_type_and_exit_code_1(monkeypatch, capsys):
    _fail_with(monkeypatch, KeyError("surprise"))
    assert main(["run", "--plugins", "resnet18,gmm"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("aadbench: error: KeyError: 'surprise'") and "run with -v for the traceback" in err


def test_a_multi_line_message_keeps_its_first_line_as_the_error(capsys):
    print_error(errors.LayoutError("mimii: /data holds no id_XX folders; expected\n  <root>/<type>/id_XX/..."))
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "aadbench: error: mimii: /data holds no id_XX folders; expected"
    assert err[1].startswith("    <root>")


def test_every_typed_error_derives_from_the_root():
    typed = [getattr(errors, name) for name in errors.__all__]
    assert all(issubclass(cls, errors.AadbenchError) for cls in typed)
    assert issubclass(errors.ParameterError, ValueError) and issubclass(errors.UnknownComponentError, LookupError)
    assert issubclass(errors.DataPathError, FileNotFoundError)


def test_flags_do_not_leak_into_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("AADBENCH_OFFLINE", raising=False)
    monkeypatch.delenv("AADBENCH_STRICT_PLUGINS", raising=False)
    main(["--strict-plugins", "run", "--plugins", "resnet18,gmn", "--offline", "--db", str(tmp_path / "r.sqlite")])
    assert "AADBENCH_OFFLINE" not in os.environ and "AADBENCH_STRICT_PLUGINS" not in os.environ


def test_offline_reaches_the_extractor_as_a_parameter(tmp_path, monkeypatch):
    """--offline (or AADBENCH_OFFLINE, read once at the command line) becomes the extractors' offline parameter."""
    from aadbench import weights as w
    from aadbench.harness.executors import work

    monkeypatch.delenv("AADBENCH_OFFLINE", raising=False)
    monkeypatch.setattr(w, "download", lambda wf: pytest.fail(f"offline, yet {wf.url} was downloaded"))
    seen = []
    original = work.run_extractions
    monkeypatch.setattr(work, "run_extractions", lambda jobs, *a, **k: seen.extend(jobs) or original(jobs, *a, **k))
    from aadbench.harness.executors import local
    monkeypatch.setattr(local, "run_extractions", work.run_extractions)
    args = ["run", "--plugins", "squeezenet1_1,gmm", "--set", "gmm.n_components=1", "--seeds", "1",
            "--set", "synthetic.machines=fan", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=4",
            "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=1", "--no-progress", "--offline",
            "--db", str(tmp_path / "r.sqlite")]
    assert main(args) == 0
    assert seen and all(job.extractor.params["offline"] is True for job in seen)
