"""The planner: names, required extractors, parameters (one message format), keys, and identities
learned without building or downloading anything while nothing is left to compute."""
import pytest

from aadbench import weights as w
from aadbench.errors import ConfigError, ParameterError, UnknownComponentError
from aadbench.harness.grid import RunRequest
from aadbench.harness.planner import GridContext, plan_grid, plan_run
from aadbench.harness.store import ResultStore
from aadbench.plugins.image_cnns.catalog import CNNS


def test_names_with_arguments_required_extractors_and_defaults(registry):
    plan = plan_run(RunRequest(plugins=("resnet34@layer3", "timm:convnext_tiny", "gmm", "small-dcae"),
                               params={"gmm": {"n_components": "8"}}), registry)
    labels = [(e.label, e.name, e.auto) for e in plan.extractors]
    assert labels == [("resnet34@layer3", "resnet34", False), ("timm:convnext_tiny", "timm", False),
                      ("mel-patches", "mel-patches", True)]
    assert plan.extractors[0].params["layer"] == "layer3" and plan.extractors[1].params["model"] == "convnext_tiny"
    gmm = plan.detectors[0]
    assert gmm.params["n_components"] == 8 and gmm.overrides == {"n_components": 8}
    assert gmm.params["covariance_type"] == "diag"  # the default, resolved
    requires = {d.label: registry.get("detector", d.name).requires for d in plan.detectors}
    assert [d.label for d in plan.pairs(plan.extractors[2], requires)] == ["small-dcae"]
    assert [d.label for d in plan.pairs(plan.extractors[0], requires)] == ["gmm"]
    assert plan.dataset.label == "synthetic" and plan.seeds == (0, 1, 2, 3, 4)


def test_typed_values_from_a_file_and_text_from_the_command_line_convert_alike(registry):
    text = plan_run(RunRequest(plugins=("resnet18", "gmm"), params={"gmm": {"n_components": "4"},
                                                                     "protocol": {"pooling": "max"}}), registry)
    typed = plan_run(RunRequest(plugins=("resnet18", "gmm"), params={"gmm": {"n_components": 4},
                                                                      "protocol": {"pooling": "max"}}), registry)
    assert text == typed and text.protocol.pooling == "max"


@pytest.mark.parametrize("request_, error, message", [
    (RunRequest(plugins=("resnet18", "gmm"), params={"gmm": {"n_compnents": "4"}}), ParameterError,
     "detector 'gmm' has no parameter 'n_compnents'; did you mean 'n_components'?"),
    (RunRequest(plugins=("resnet18", "gmm"), params={"gmm": {"n_components": "four"}}), ParameterError,
     "gmm.n_components='four': expected an integer like 80"),
    (RunRequest(plugins=("resnet18", "gmm"), params={"gmm": {"n_components": 4.5}}), ParameterError,
     "expected an integer"),
    (RunRequest(plugins=("resnet18", "gmm"), params={"protocol": {"poolng": "max"}}), ParameterError,
     "protocol has no parameter 'poolng'; did you mean 'pooling'?"),
    (RunRequest(plugins=("resnet18", "gmm"), params={"protocol": {"pooling": "sum"}}), ParameterError,
     "pooling 'sum' is not one of"),
    (RunRequest(plugins=("resnet18", "gmm"), params={"kde": {"bandwidth": "1"}}), ParameterError,
     "'kde' is not part of this run"),
    (RunRequest(plugins=("resnet18", "gnm")), UnknownComponentError, "did you mean 'gmm'"),
    (RunRequest(plugins=("gmm",)), ConfigError, "no extractor chosen for gmm"),
    (RunRequest(plugins=("resnet18",)), ConfigError, "no detector chosen"),
    (RunRequest(plugins=("resnet18", "gmm"), seeds=0), ConfigError, "--seeds must be at least 1"),
    (RunRequest(plugins=("resnet18:x", "gmm")), ConfigError, "takes no ':' argument"),
    (RunRequest(plugins=("gmm@layer3", "resnet18")), ConfigError, "only extractors take '@layer'"),
    (RunRequest(plugins=("resnet18", "gmm"), data_root="/x"), ConfigError, "has no data_root parameter"),
])
def test_every_mistake_fails_before_any_work_with_one_clear_message(registry, request_, error, message):
    with pytest.raises(error) as info:
        plan_run(request_, registry)
    assert message in str(info.value)


def _grid(registry, store, **request):
    plan = plan_run(RunRequest(**{"params": {"synthetic": {"machines": "fan", "ids": "id_00", "n_normal": "4",
                                                           "n_anomalous": "2", "duration": "1"}},
                                  "seeds": 2, **request}), registry)
    dataset = registry.get("dataset", "synthetic").create(**plan.dataset.params)
    ctx = GridContext(registry=registry, dataset=dataset, tasks=tuple(dataset.tasks()), stored=store.stored)
    return plan_grid(plan, ctx)


def test_keys_cover_every_job_and_do_not_depend_on_device_or_batch_size(registry, tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        grid = _grid(registry, store, plugins=("resnet18", "gmm", "kde"), weights="none")
        assert len(grid.keys) == len(set(grid.keys)) == 1 * 2 * 2 and grid.n_pending == 4 and grid.n_stored == 0
        (work,) = grid.work
        assert work.extraction.task == "fan/id_00" and work.extraction.extractor.params["weights"] == "none"
        assert work.extraction.identity["weights"] == w.random_identity()
        other = _grid(registry, store, plugins=("resnet18", "gmm", "kde"), weights="none", device="cpu",
                      params={"resnet18": {"batch_size": "8"}, "synthetic": {"machines": "fan", "ids": "id_00",
                              "n_normal": "4", "n_anomalous": "2", "duration": "1"}})
        assert other.keys == grid.keys
        changed = _grid(registry, store, plugins=("resnet18", "gmm", "kde"), weights="none",
                        params={"resnet18": {"colormap": "magma"}, "synthetic": {"machines": "fan", "ids": "id_00",
                                "n_normal": "4", "n_anomalous": "2", "duration": "1"}})
        assert not set(changed.keys) & set(grid.keys)


def test_identities_come_without_a_build_and_weights_are_fetched_only_for_pending_jobs(registry, tmp_path,
                                                                                        monkeypatch):
    """With every job stored, planning constructs no extractor and asks no server for weights."""
    from aadbench.plugins.image_cnns import extractor

    downloads = []
    monkeypatch.setattr(w, "download", lambda wf: downloads.append(wf.filename) or (_ for _ in ()).throw(
        OSError("no network here")))
    monkeypatch.setattr(extractor.TorchvisionCNN, "__init__", lambda *a, **k: pytest.fail("the CNN was built"))
    with ResultStore(tmp_path / "r.sqlite") as store:
        grid = _grid(registry, store, plugins=("resnet18", "gmm"))  # weights auto, file not cached
        assert downloads == ["resnet18-f37072fd.pth"], "pending jobs: the download is tried once, by the planner"
        assert w.is_fallback(grid.work[0].extraction.identity["weights"])
        assert grid.work[0].extraction.extractor.params["offline"] is True, "workers do not try again"
        digest = grid.work[0].extraction.data_digest
        store.stored = lambda keys: dict.fromkeys(keys, digest)  # as if every job were stored
        downloads.clear()
        again = _grid(registry, store, plugins=("resnet18", "gmm"))
        assert downloads == [] and again.work == () and again.keys == grid.keys and again.n_stored == 2
        assert "weights fetch resnet18" in again.notes[0]


def test_a_cached_checkpoint_gives_the_pretrained_identity_without_loading_it(registry, tmp_path):
    path = w.cache_path(CNNS["resnet18"].weights)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not read while planning")
    try:
        with ResultStore(tmp_path / "r.sqlite") as store:
            grid = _grid(registry, store, plugins=("resnet18", "gmm"))
        identity = grid.work[0].extraction.identity
        assert identity["weights"] == {"kind": "imagenet", "source": "torchvision:ResNet18_Weights.IMAGENET1K_V1",
                                       "file": "resnet18-f37072fd.pth", "pretrained": True}
        assert identity["weights_label"] == "imagenet"
    finally:
        path.unlink()


def test_an_extractor_without_an_identity_function_is_built_to_learn_it(registry, tmp_path):
    from aadbench.harness.registry import load_registry
    from aadbench.specs import ExtractorSpec

    built = []

    class Plain:
        def register_extractors(self):
            return [ExtractorSpec(name="plain", factory=make, description="No identity function.",
                                  defaults={"scale": 1.0})]

    def make(scale):
        from aadbench.plugins.mel_patches.extractor import MelPatches

        built.append(scale)
        return MelPatches()

    import aadbench
    aadbench.hookimpl(Plain.register_extractors)
    reg = load_registry(entry_points=False, extra=[("plain_plugin", Plain())])
    with ResultStore(tmp_path / "r.sqlite") as store:
        grid = _grid(reg, store, plugins=("plain", "knn"))
    assert built == [1.0] and grid.work[0].extraction.identity["dim"] == 4096
