import pytest

from aadbench.harness.params import ParameterError, apply, parse_assignments


def test_parse_and_convert_against_defaults():
    raw = parse_assignments(["synthetic.n_normal=40", "gmm.reg_covar=1e-4", "synthetic.machines=fan,pump",
                             "x.flag=yes", "mimii.data_root=/data/a=b"])
    assert raw["mimii"] == {"data_root": "/data/a=b"}
    assert apply("synthetic", {"n_normal": 30, "machines": ["fan"]}, raw["synthetic"]) == {
        "n_normal": 40, "machines": ["fan", "pump"]}
    assert apply("gmm", {"reg_covar": 1e-6}, raw["gmm"]) == {"reg_covar": 1e-4}
    assert apply("x", {"flag": False}, raw["x"]) == {"flag": True}


@pytest.mark.parametrize("item", ["gmm", "gmm=3", ".x=3", "gmm.=3"])
def test_malformed_assignment(item):
    with pytest.raises(ParameterError, match="component.param=value"):
        parse_assignments([item])


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(ParameterError, match="n_components=80"):
        apply("gmm", {"n_components": 80}, {"n_comp": "3"})


def test_wrong_type_names_the_value():
    with pytest.raises(ParameterError, match="gmm.n_components='many'"):
        apply("gmm", {"n_components": 80}, {"n_components": "many"})
