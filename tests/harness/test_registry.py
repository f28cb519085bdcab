"""The plugin manager: lazy records, duplicates, did-you-mean, broken plugins."""
import json
import subprocess
import sys
import types

import pytest

import aadbench
from aadbench.harness.registry import DuplicateComponentError, PluginError, UnknownComponentError, load_registry


def _plugin(name, hook="register_detectors", records=None, raises=None):
    module = types.ModuleType(name)

    def impl():
        if raises:
            raise raises
        return records or []

    impl.__name__ = hook
    setattr(module, hook, aadbench.hookimpl(impl))
    return module


def _det(name):
    return aadbench.DetectorSpec(name, "aadbench.plugins.classic_detectors.sklearn_models:IForest", "A detector.")


def test_bundled_components_are_registered(registry):
    assert {"alexnet", "resnet18", "resnet34", "squeezenet", "squeezenet1_1"} <= set(registry.names("extractor"))
    assert {"gmm", "bgmm", "iforest", "ocsvm", "kde"} <= set(registry.names("detector"))
    assert "synthetic" in registry.names("dataset")


def test_duplicate_names_fail_and_name_both_providers():
    with pytest.raises(DuplicateComponentError) as info:
        load_registry(entry_points=False, extra=[("my_plugin", _plugin("my_plugin", records=[_det("gmm")]))])
    assert "aadbench.plugins.classic_detectors" in str(info.value) and "my_plugin" in str(info.value)


def test_unknown_name_suggests_close_ones(registry):
    with pytest.raises(UnknownComponentError, match="did you mean 'resnet34'"):
        registry.resolve("resnet43")
    with pytest.raises(UnknownComponentError, match="no detector named 'gmn'.*'gmm'"):
        registry.get("detector", "gmn")


def test_a_plugin_that_raises_is_skipped_and_named(caplog):
    bad = _plugin("bad_plugin", raises=RuntimeError("boom"))
    good = _plugin("good_plugin", records=[_det("my-iforest")])
    registry = load_registry(entry_points=False, extra=[("bad_plugin", bad), ("good_plugin", good)])
    assert [b.name for b in registry.broken] == ["bad_plugin"] and "boom" in registry.broken[0].error
    assert "my-iforest" in registry.names("detector")
    assert "bad_plugin" in caplog.text
    with pytest.raises(PluginError, match="bad_plugin"):
        load_registry(entry_points=False, strict=True, extra=[("bad_plugin", bad)])


def test_a_misspelled_hook_is_reported():
    typo = _plugin("typo_plugin", hook="register_detector", records=[_det("x")])
    registry = load_registry(entry_points=False, extra=[("typo_plugin", typo)])
    assert registry.broken and "register_detector" in registry.broken[0].error


def test_records_must_have_the_right_type():
    wrong = _plugin("wrong_plugin", records=[aadbench.ExtractorSpec("e", "m:a", "An extractor.")])
    registry = load_registry(entry_points=False, extra=[("wrong_plugin", wrong)])
    assert "not a DetectorSpec" in registry.broken[0].error


def test_list_json_never_imports_torch():
    code = ("import sys, io, contextlib\n"
            "from aadbench.cli import main\n"
            "buf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n"
            "    main(['list', '--json'])\n"
            "print(sorted(m for m in ('torch', 'torchvision', 'sklearn', 'librosa') if m in sys.modules))\n"
            "print(buf.getvalue())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy, listing = out.split("\n", 1)
    assert heavy == "[]"
    entries = json.loads(listing)
    resnet = next(e for e in entries if e["name"] == "resnet34")
    assert resnet["kind"] == "extractor" and resnet["provider"].startswith("aadbench")
    assert resnet["domain"] == "image" and resnet["defaults"]["weights"] == "auto"


def test_a_plugin_whose_later_hook_fails_leaves_nothing_behind():
    class HalfBroken:
        @aadbench.hookimpl
        def register_extractors(self):
            return [aadbench.ExtractorSpec("half-extractor", "m:a", "Registered first.")]

        @aadbench.hookimpl
        def register_detectors(self):
            raise RuntimeError("the second hook fails")

    registry = load_registry(entry_points=False, extra=[("half_plugin", HalfBroken())])
    assert [b.name for b in registry.broken] == ["half_plugin"]
    assert "half-extractor" not in registry.names("extractor")
    assert "half_plugin" not in [p.name for p in registry.plugins]


def test_plugin_selection_is_read_from_the_environment_by_the_command_line_only():
    from aadbench.harness.registry import RegistryOptions, options_from_env

    env = {"AADBENCH_NO_ENTRY_POINTS": "1", "AADBENCH_DISABLE_PLUGINS": "a, b", "AADBENCH_PLUGINS": "c"}
    assert options_from_env(env) == RegistryOptions(entry_points=False, strict=False, disabled=frozenset({"a", "b"}),
                                                    only=frozenset({"c"}))
    assert options_from_env({}, strict=True).strict and options_from_env({"AADBENCH_STRICT_PLUGINS": "1"}).strict
