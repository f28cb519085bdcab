"""The DCASE Task 2 reader: 2020, 2021, 2022+ and evaluation layouts, attributes, ground truth."""
import numpy as np
import pytest
import soundfile as sf

from aadbench.components import ANOMALOUS, NORMAL, UNKNOWN
from aadbench.datasets.dcase.dataset import DcaseDataset
from aadbench.datasets.dcase.naming import parse_name
from aadbench.datasets.files import LayoutError


def wav(path, seconds=0.25, rate=16000, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    wave = 0.1 * np.random.default_rng(seed).standard_normal(int(seconds * rate))
    sf.write(path, wave.astype(np.float32), rate, subtype="PCM_16")
    return path


def by_key(task):
    return {c.key: c for c in task.clips}


@pytest.fixture
def dev2020(tmp_path):
    root = tmp_path / "dev_data"
    for i in range(2):
        wav(root / "ToyCar" / "train" / f"normal_id_01_{i:08d}.wav", seconds=11.0, seed=i)
    wav(root / "ToyCar" / "test" / "normal_id_01_00000000.wav", seconds=11.0)
    wav(root / "ToyCar" / "test" / "anomaly_id_01_00000000.wav", seconds=10.0)  # shorter: padded to 11 s
    for mid in ("id_00", "id_02"):
        wav(root / "fan" / "train" / f"normal_{mid}_00000000.wav")
        wav(root / "fan" / "train" / f"normal_{mid}_00000001.wav")
        wav(root / "fan" / "test" / f"normal_{mid}_00000000.wav")
        wav(root / "fan" / "test" / f"anomaly_{mid}_00000000.wav")
    return root


def test_2020_tasks_splits_labels(dev2020):
    ds = DcaseDataset(dev2020)
    assert [t.name for t in ds.tasks()] == ["ToyCar/id_01", "fan/id_00", "fan/id_02"]
    clips = by_key(ds.tasks()[1])
    assert sorted(clips) == ["test/anomaly_id_00_00000000.wav", "test/normal_id_00_00000000.wav",
                             "train/normal_id_00_00000000.wav", "train/normal_id_00_00000001.wav"]
    anomaly = clips["test/anomaly_id_00_00000000.wav"]
    assert (anomaly.label, anomaly.split, anomaly.domain) == (ANOMALOUS, "test", "source")
    assert clips["train/normal_id_00_00000000.wav"].split == "train"
    assert dict(anomaly.attributes) == {"machine_type": "fan", "machine_id": "id_00"}
    assert ds.config()["year"] == "2020"
    assert [t.name for t in DcaseDataset(dev2020 / "fan").tasks()] == ["fan/id_00", "fan/id_02"]


def test_toycar_clips_are_11_seconds(dev2020):
    toycar = DcaseDataset(dev2020, machines="ToyCar")
    (task,) = toycar.tasks()
    short = by_key(task)["test/anomaly_id_01_00000000.wav"]
    assert toycar.load(short).shape == (160000,)  # "keep": its own length
    fixed = DcaseDataset(dev2020, machines=["ToyCar"], length_policy="fixed")
    assert fixed.task_duration(short) == 11.0
    assert {fixed.load(c).shape for c in task.clips} == {(176000,)}
    assert fixed.load_stats() == {"loaded": 4, "resampled": 0, "padded": 1, "cropped": 0}


@pytest.fixture
def dev2021(tmp_path):
    fan = tmp_path / "dev2021" / "fan"
    for sec in ("00", "01"):
        wav(fan / "train" / f"section_{sec}_source_train_normal_0000_m-n_W.wav")
        wav(fan / "train" / f"section_{sec}_source_train_normal_0001_m-n_W.wav")
        wav(fan / "train" / f"section_{sec}_target_train_normal_0000_m-n_X.wav")
        for dom in ("source", "target"):
            wav(fan / f"{dom}_test" / f"section_{sec}_{dom}_test_normal_0000_m-n_W.wav")
            wav(fan / f"{dom}_test" / f"section_{sec}_{dom}_test_anomaly_0000_m-n_W.wav")
    return tmp_path / "dev2021"


def test_2021_sections_and_domains(dev2021):
    ds = DcaseDataset(dev2021)
    assert [t.name for t in ds.tasks()] == ["fan/section_00", "fan/section_01"]
    clips = by_key(ds.tasks()[0])
    assert len(clips) == 7
    target = clips["target_test/section_00_target_test_anomaly_0000_m-n_W.wav"]
    assert (target.label, target.split, target.domain) == (ANOMALOUS, "test", "target")
    assert clips["train/section_00_target_train_normal_0000_m-n_X.wav"].domain == "target"
    assert target.attributes["m-n"] == "W" and target.attributes["section"] == "section_00"
    assert ds.config()["year"] == "2021"
    with pytest.raises(LayoutError, match="laid out like DCASE 2021, not 2023"):
        DcaseDataset(dev2021, year=2023).tasks()


@pytest.fixture
def dev2025(tmp_path):
    bearing = tmp_path / "dev2025" / "raw" / "bearing"
    wav(bearing / "train" / "section_00_source_train_normal_0000_vel_6_loc_A.wav")
    wav(bearing / "train" / "section_00_target_train_normal_0000_vel_10_loc_B.wav")
    wav(bearing / "test" / "section_00_source_test_normal_0000_vel_6_loc_A.wav")
    wav(bearing / "test" / "section_00_target_test_anomaly_0001_vel_10_loc_B.wav")
    wav(bearing / "supplemental" / "section_00_source_supplemental_0000_noise.wav")
    (bearing / "attributes_00.csv").write_text(
        "file_name,d1p,d1v,d2p,d2v\n"
        "bearing/train/section_00_source_train_normal_0000_vel_6_loc_A.wav,vel,6,loc,A\n"
        "bearing/test/section_00_target_test_anomaly_0001_vel_10_loc_B.wav,vel,10,loc,B\n")
    slider = tmp_path / "dev2025" / "raw" / "slider"
    wav(slider / "train" / "section_00_source_train_normal_0000_noAttribute.wav")
    wav(slider / "test" / "section_00_source_test_anomaly_0000_noAttribute.wav")
    return tmp_path / "dev2025"


def test_2022_plus_attributes_and_supplemental(dev2025):
    ds = DcaseDataset(dev2025)
    assert [t.name for t in ds.tasks()] == ["bearing/section_00", "slider/section_00"]
    clips = by_key(ds.tasks()[0])
    assert len(clips) == 4 and ds.ignored == {"bearing": 1}
    anomaly = clips["test/section_00_target_test_anomaly_0001_vel_10_loc_B.wav"]
    assert (anomaly.label, anomaly.split, anomaly.domain) == (ANOMALOUS, "test", "target")
    assert {k: anomaly.attributes[k] for k in ("vel", "loc")} == {"vel": "10", "loc": "B"}
    assert by_key(ds.tasks()[1])["train/section_00_source_train_normal_0000_noAttribute.wav"] \
        .attributes["name_attributes"] == "noAttribute"
    assert ds.config()["year"] == "2025" and ds.config()["supplemental"] is False  # told by supplemental/
    with_extra = DcaseDataset(dev2025, year="2025", supplemental=True)
    extra = by_key(with_extra.tasks()[0])["supplemental/section_00_source_supplemental_0000_noise.wav"]
    assert (extra.split, extra.label, extra.attributes["supplemental"]) == ("train", NORMAL, "1")
    assert with_extra.config()["year"] == "2025" and with_extra.ignored == {}


@pytest.fixture
def eval2023(tmp_path):
    for machine in ("fan", "valve"):
        folder = tmp_path / "eval_data" / machine
        wav(folder / "train" / "section_00_source_train_normal_0000_m-n_W.wav")
        for i in range(3):
            wav(folder / "test" / f"section_00_{i:04d}.wav", seed=i)
    gt = tmp_path / "evaluator"
    (gt / "ground_truth_data").mkdir(parents=True)
    (gt / "ground_truth_domain").mkdir()
    (gt / "ground_truth_data" / "ground_truth_fan_section_00_test.csv").write_text(
        "section_00_0000.wav,0\nsection_00_0001.wav,1\nsection_00_0002.wav,1\n")
    (gt / "ground_truth_domain" / "ground_truth_fan_section_00_test.csv").write_text(
        "section_00_0000.wav,0\nsection_00_0001.wav,1\nsection_00_0002.wav,0\n")
    return tmp_path / "eval_data", gt


def test_evaluation_set_is_unlabelled_without_ground_truth(eval2023):
    root, _ = eval2023
    fan = by_key(DcaseDataset(root, year="2023").tasks()[0])
    test = [c for c in fan.values() if c.split == "test"]
    assert {c.label for c in test} == {UNKNOWN} and {c.domain for c in test} == {"unknown"}
    assert fan["train/section_00_source_train_normal_0000_m-n_W.wav"].label == NORMAL


def test_ground_truth_folder_labels_only_its_machine(eval2023):
    root, gt = eval2023
    ds = DcaseDataset(root, year="2023", ground_truth=gt)
    fan, valve = (by_key(t) for t in ds.tasks())
    assert [fan[f"test/section_00_{i:04d}.wav"].label for i in range(3)] == [NORMAL, ANOMALOUS, ANOMALOUS]
    assert [fan[f"test/section_00_{i:04d}.wav"].domain for i in range(3)] == ["source", "target", "source"]
    assert {c.label for c in valve.values() if c.split == "test"} == {UNKNOWN}  # no valve ground truth
    assert ds.config()["ground_truth"] == str(gt)


def test_2020_eval_with_eval_data_list(tmp_path):
    root = tmp_path / "eval_data"
    wav(root / "ToyCar" / "train" / "normal_id_05_00000000.wav")
    wav(root / "ToyCar" / "test" / "id_05_00000000.wav")
    wav(root / "ToyCar" / "test" / "id_05_00000001.wav")
    wav(root / "fan" / "train" / "normal_id_01_00000000.wav")
    wav(root / "fan" / "test" / "id_01_00000000.wav")
    listing = tmp_path / "eval_data_list.csv"
    listing.write_text("ToyCar\nid_05_00000000.wav,normal_id_05_00000000.wav,0\n"
                       "id_05_00000001.wav,anomaly_id_05_00000001.wav,1\n"
                       "fan\nid_01_00000000.wav,anomaly_id_01_00000000.wav,1\n")
    assert {c.label for t in DcaseDataset(root).tasks() for c in t.clips if c.split == "test"} == {UNKNOWN}
    ds = DcaseDataset(root, ground_truth=listing)
    labels = {(t.name, c.key): c.label for t in ds.tasks() for c in t.clips if c.split == "test"}
    assert labels == {("ToyCar/id_05", "test/id_05_00000000.wav"): 0, ("ToyCar/id_05", "test/id_05_00000001.wav"): 1,
                      ("fan/id_01", "test/id_01_00000000.wav"): 1}
    assert ds.config()["year"] == "2020"


def test_ground_truth_table_with_header(eval2023, tmp_path):
    root, _ = eval2023
    table = tmp_path / "labels.csv"
    table.write_text("file_name,label,domain\nvalve/test/section_00_0000.wav,1,target\n")
    valve = by_key(DcaseDataset(root, year="2023", ground_truth=table).tasks()[1])
    assert (valve["test/section_00_0000.wav"].label, valve["test/section_00_0000.wav"].domain) == (1, "target")


def test_bad_ground_truth_and_odd_files(eval2023, tmp_path):
    root, _ = eval2023
    with pytest.raises(FileNotFoundError, match="nothing.csv"):
        DcaseDataset(root, ground_truth=tmp_path / "nothing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("section_00_0000.wav,maybe\n")
    with pytest.raises(ValueError, match=r"bad.csv row 1: 'maybe'"):
        DcaseDataset(root, ground_truth=bad)
    wav(root / "fan" / "test" / "recording_7.wav")
    ds = DcaseDataset(root, year="2023")
    ds.tasks()
    assert [(p.split("/")[-1], why) for p, why in ds.skipped] == \
        [("recording_7.wav", "its name follows no DCASE naming scheme")]


def test_layout_errors_name_path_and_layout(dev2020, dev2021, tmp_path):
    (tmp_path / "mixed").mkdir()
    (dev2020 / "fan").rename(tmp_path / "mixed" / "fan")
    (dev2021 / "fan").rename(tmp_path / "mixed" / "gearbox")
    with pytest.raises(LayoutError, match="mixes the layouts.*fan: 2020; gearbox: 2021"):
        DcaseDataset(tmp_path / "mixed").tasks()
    (tmp_path / "notdcase" / "pictures").mkdir(parents=True)
    with pytest.raises(LayoutError, match="notdcase holds no machine type folder") as info:
        DcaseDataset(tmp_path / "notdcase").tasks()
    assert "normal_id_00_00000000.wav" in str(info.value)
    with pytest.raises(ValueError, match="year '2019'"):
        DcaseDataset(dev2020, year="2019")


def test_parse_name():
    info = parse_name("section_01_target_test_anomaly_0003_car_A1_spd_28V.wav")
    assert (info.group, info.domain, info.split, info.label) == ("section_01", "target", "test", ANOMALOUS)
    assert info.attributes == {"car": "A1", "spd": "28V"}
    assert parse_name("section_00_test_0001.wav").label == UNKNOWN
    assert parse_name("id_01_00000001.wav").group == "id_01"
    assert parse_name("notes.wav") is None


def test_conformance(dev2021, dev2025, eval2023):
    from aadbench.testing import check_dataset

    for root, year in ((dev2021, "auto"), (dev2025, "auto"), (eval2023[0], "2023")):
        assert check_dataset(DcaseDataset(root, length_policy="fixed", year=year))["loaded"] > 0


@pytest.mark.parametrize(("layout", "year"), [
    ({"fan": ["section_00", "section_01", "section_02"]}, "2022"),
    ({"fan": ["section_00"], "ToyDrone": ["section_00"]}, "2023"),
    ({"fan": ["section_00"], "3DPrinter": ["section_00"]}, "2024"),
    ({"ToyPet": ["section_00"]}, "2025"),
])
def test_the_exact_year_of_a_2022_plus_layout_where_the_folders_tell_it(tmp_path, layout, year):
    for machine, sections in layout.items():
        for section in sections:
            wav(tmp_path / machine / "train" / f"{section}_source_train_normal_0000_a_1.wav")
            wav(tmp_path / machine / "test" / f"{section}_source_test_anomaly_0000_a_1.wav")
    assert DcaseDataset(tmp_path).config()["year"] == year


def test_an_ambiguous_2022_plus_layout_asks_for_the_year(tmp_path):
    wav(tmp_path / "fan" / "train" / "section_00_source_train_normal_0000_a_1.wav")
    wav(tmp_path / "fan" / "test" / "section_00_source_test_anomaly_0000_a_1.wav")
    with pytest.raises(LayoutError, match=r"--set dcase.year=YEAR, one of 2023, 2024, 2025, 2026"):
        DcaseDataset(tmp_path).tasks()
    assert DcaseDataset(tmp_path, year="2024").config()["year"] == "2024"
