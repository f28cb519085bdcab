import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from aadbench.cli import main
from aadbench.harness.model.files import INDEX, sha256

SYN = {"machines": ["fan"], "ids": ["id_00"], "n_normal": 12, "n_anomalous": 4, "duration": 2.0}
SYN_ARGS = [a for k, v in SYN.items() for a in ("--set", f"synthetic.{k}={','.join(v) if isinstance(v, list) else v}")]
SMALL = ["--set", "gmm.n_components=2", "--set", "bgmm.n_components=2", "--set", "knn.k=2",
         "--set", "small-dcae.epochs=2"]


def stored_scores(db):
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT r.detector, s.clip, s.score FROM clip_scores s JOIN results r "
                            "ON r.job_key = s.job_key").fetchall()
    out: dict[str, dict[str, float]] = {}
    for det, clip, score in rows:
        out.setdefault(det, {})[clip] = score
    return out


def stored_auc(db, detector):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT auc FROM results WHERE detector = ?", (detector,)).fetchone()[0]


def fit(out, plugins, *extra):
    """`aadbench fit` on the small synthetic task, asserting success."""
    data = [] if "--dataset" in extra else SYN_ARGS
    args = ["fit", "--plugins", plugins, *data, *SMALL, "--weights", "none", "--no-progress", "--out", str(out),
            *extra]
    assert main(_only_relevant(args, plugins)) == 0
    return out


def _only_relevant(args, plugins):
    """Drop --set pairs for components that are not in this fit (the planner refuses them)."""
    names = set(plugins.split(",")) | {"synthetic", "protocol", "folder"}
    out, i = [], 0
    while i < len(args):
        if args[i] == "--set" and args[i + 1].split(".")[0] not in names:
            i += 2
            continue
        out.append(args[i])
        i += 1
    return out


def rewrite(model: Path, relpath: str, data: bytes) -> None:
    """Replace a file of a model and its hash in the index, as someone crafting a model would."""
    (model / relpath).write_bytes(data)
    index = json.loads((model / INDEX).read_text())
    index["files"][relpath] = sha256(data)
    (model / INDEX).write_text(json.dumps(index))


def edit_manifest(model: Path, change) -> None:
    index = json.loads((model / INDEX).read_text())
    (folder,) = index["tasks"].values()
    manifest = json.loads((model / folder / "manifest.json").read_text())
    change(manifest)
    rewrite(model, f"{folder}/manifest.json", json.dumps(manifest).encode())


def write_folder_layout(root: Path, rate: int = 16000) -> Path:
    """The synthetic task written as a `folder` layout: train/, test/normal/, test/anomalous/ (float WAVs)."""
    from aadbench.datasets.synthetic.dataset import SyntheticDataset

    ds = SyntheticDataset(**SYN)
    (task,) = ds.tasks()
    normal = [c for c in task.clips if c.label == 0]
    anomalous = [c for c in task.clips if c.label == 1]
    for i, clip in enumerate(normal):
        where = "train" if i < 8 else "test/normal"
        _wav(root / where / f"n{i:02d}.wav", ds.load(clip), rate)
    for i, clip in enumerate(anomalous):
        _wav(root / "test" / "anomalous" / f"a{i:02d}.wav", ds.load(clip), rate)
    return root


def _wav(path: Path, wave: np.ndarray, rate: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, wave, rate, subtype="FLOAT")


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    """One run of every detector the model tests need, seed 0, with its feature cache."""
    root = tmp_path_factory.mktemp("run")
    mp = pytest.MonkeyPatch()
    mp.setenv("AADBENCH_CACHE", str(root / "cache"))
    mp.setenv("AADBENCH_OFFLINE", "1")
    mp.setenv("AADBENCH_NO_ENTRY_POINTS", "1")
    args = ["run", "--plugins", "squeezenet1_1,gmm,ocsvm,kde,knn,iforest,mahalanobis,bgmm,small-dcae", *SYN_ARGS,
            *SMALL, "--seeds", "1", "--weights", "none", "--no-progress", "--db", str(root / "r.sqlite")]
    assert main(args) == 0
    yield root
    mp.undo()
