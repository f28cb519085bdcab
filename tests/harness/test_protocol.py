"""The paper's split, standardisation and clip pooling."""
import numpy as np
import pytest

from aadbench import Clip, Task
from aadbench.errors import TaskError
from aadbench.harness.protocol import ProtocolConfig, Standardizer, paper_split, pool, split_task


def _task(n_normal, n_anomalous):
    clips = [Clip(f"normal/{i:08d}.wav", 0) for i in range(n_normal)]
    clips += [Clip(f"abnormal/{i:08d}.wav", 1) for i in range(n_anomalous)]
    return Task("fan", "id_00", tuple(clips))


def test_default_holds_out_min_of_150_anomalous_and_half_the_normals():
    assert paper_split(_task(1000, 407), 0, ProtocolConfig()).counts(_task(1000, 407).clips) == {
        "n_train": 850, "n_test_normal": 150, "n_test_anomalous": 150}
    task = _task(1000, 90)  # a MIMII ID with few anomalies
    assert paper_split(task, 0, ProtocolConfig()).counts(task.clips)["n_test_anomalous"] == 90
    task = _task(20, 50)
    assert paper_split(task, 0, ProtocolConfig()).counts(task.clips) == {
        "n_train": 10, "n_test_normal": 10, "n_test_anomalous": 10}


def test_split_is_disjoint_deterministic_and_varies_with_the_seed():
    task = _task(60, 30)
    a, b, c = (paper_split(task, s, ProtocolConfig()) for s in (0, 0, 1))
    assert not set(a.train) & set(a.test)
    assert all(task.clips[i].label == 0 for i in a.train)
    assert np.array_equal(a.test, b.test) and not np.array_equal(a.test, c.test)


def test_split_depends_on_keys_not_on_clip_order():
    task = _task(40, 20)
    shuffled = Task("fan", "id_00", tuple(reversed(task.clips)))
    keys = lambda t, s: sorted(t.clips[i].key for i in s.test)
    protocol = ProtocolConfig()
    assert keys(task, paper_split(task, 3, protocol)) == keys(shuffled, paper_split(shuffled, 3, protocol))


def test_n_test_setting_and_impossible_split():
    task = _task(40, 20)
    assert paper_split(task, 0, ProtocolConfig(n_test=5)).counts(task.clips)["n_test_normal"] == 5
    with pytest.raises(TaskError, match="cannot hold out 30"):
        paper_split(task, 0, ProtocolConfig(n_test=30))


def test_a_dataset_given_split_is_used_as_is():
    clips = (Clip("a", 0, split="train"), Clip("b", 0, split="test"), Clip("c", 1, split="test"))
    split = split_task(Task("ToyCar", "id_01", clips), 0, ProtocolConfig())
    assert split.kind == "given" and list(split.train) == [0] and list(split.test) == [1, 2]


def test_standardizer_uses_training_statistics():
    rng = np.random.default_rng(0)
    train = rng.normal(5, 3, (500, 4))
    s = Standardizer().fit(train)
    z = s.transform(train)
    assert np.allclose(z.mean(0), 0, atol=1e-5) and np.allclose(z.std(0), 1, atol=1e-4)
    assert np.allclose(s.transform(np.full((1, 4), 5.0)), 0, atol=0.5)


def test_clip_score_is_the_mean_of_its_segment_scores():
    seg = np.array([1.0, 3.0, 10.0, 20.0, 30.0])
    owner = np.array([0, 0, 1, 1, 1])
    assert list(pool(seg, owner, 2, "mean")) == [2.0, 20.0]
    assert list(pool(seg, owner, 2, "max")) == [3.0, 30.0]
