"""Pipeline file validation: every problem is one clear error, found before any kernel starts."""

from __future__ import annotations

import pytest
from pipeline_helpers import NOTEBOOKS, write_pipeline

from climpy.exceptions import InputError, PipelineError
from climpy.pipeline.spec import (
    SpecError,
    apply_overrides,
    load_pipeline,
    notebook_parameters,
    parse_override,
    validate,
)

BASE = {
    "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
    "b": {
        "notebook": "add.ipynb",
        "parameters": {"value": 2},
        "inputs": {"in_path": "a.a.txt"},
        "outputs": {"out_path": "b.txt"},
    },
}


def _load(project, steps, inputs=None):
    return load_pipeline(write_pipeline(project, steps, inputs if inputs is not None else {"x": "in.txt"}))


def test_valid_pipeline_normalises_file_references(project):
    pipe = validate(_load(project, BASE), project=project)
    assert pipe.order() == ["a", "b"]
    ref = pipe.steps["b"].inputs["in_path"]
    assert (ref.step, ref.name) == ("a", "out_path")  # a.a.txt (file name) -> a.out_path (parameter)
    assert pipe.steps["b"].upstream == ["a"]


def test_spec_error_is_input_and_pipeline_error():
    assert issubclass(SpecError, InputError) and issubclass(SpecError, PipelineError)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda s: s["b"]["inputs"].update(in_path="nosuch.out_path"), r"unknown step 'nosuch'"),
        (
            lambda s: s["a"]["inputs"].update(in_path="inputs.y"),
            r"unknown input 'y'; declare it under 'inputs:'",
        ),
        (lambda s: s["b"]["inputs"].update(in_path="a.missing"), r"step 'a' has no output 'missing'"),
        (lambda s: s["b"]["outputs"].update(out_path="a.txt"), r"output 'a.txt' is written by two steps"),
        (
            lambda s: s["b"]["parameters"].update(speed=3),
            r"parameter 'speed' is not declared in the 'parameters' cell of add.ipynb",
        ),
        (lambda s: s["b"]["outputs"].update(other="o.txt"), r"output parameter 'other' is not declared"),
        (
            lambda s: s["a"]["inputs"].update(in_path="b.out_path"),
            r"the steps form a cycle: (a -> b -> a|b -> a -> b)",
        ),
        (lambda s: s["a"].update(notebook="noparams.ipynb"), r"no cell tagged 'parameters'"),
        (lambda s: s["a"].update(notebook="absent.ipynb"), r"absent.ipynb does not exist"),
        (lambda s: s["a"].update(colour="red"), r"unknown key 'colour'"),
        (
            lambda s: s["a"]["inputs"].update(in_path="plainpath"),
            r"must be 'inputs.<name>' or '<step>.<output>'",
        ),
    ],
)
def test_each_problem_is_one_clear_error(project, change, match):
    steps = {
        k: {kk: (dict(vv) if isinstance(vv, dict) else vv) for kk, vv in v.items()} for k, v in BASE.items()
    }
    change(steps)
    with pytest.raises(SpecError, match=match) as info:
        validate(_load(project, steps), project=project)
    assert str(info.value).count("\n") == 1  # exactly one problem line


def test_missing_input_file(project):
    with pytest.raises(SpecError, match=r"input 'x': file .*absent.nc does not exist.*--set inputs.x=PATH"):
        validate(_load(project, BASE, {"x": "absent.nc"}), project=project)


def test_several_problems_are_all_listed(project):
    steps = {k: dict(v) for k, v in BASE.items()}
    steps["b"] = {**steps["b"], "parameters": {"speed": 1}, "inputs": {"in_path": "zz.out"}}
    with pytest.raises(SpecError) as info:
        validate(_load(project, steps), project=project)
    assert "unknown step 'zz'" in str(info.value) and "'speed'" in str(info.value)


def test_toml_and_bad_files(tmp_path):
    (tmp_path / "in.txt").write_text("1")
    toml = tmp_path / "p.toml"
    toml.write_text(
        f'name = "t"\n[inputs]\nx = "in.txt"\n[steps.a]\nnotebook = "{NOTEBOOKS / "add.ipynb"}"\n'
        '[steps.a.inputs]\nin_path = "inputs.x"\n[steps.a.outputs]\nout_path = "a.txt"\n'
    )
    assert list(validate(load_pipeline(toml), project=tmp_path).steps) == ["a"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [1, 2\n")
    with pytest.raises(SpecError, match=r"bad.yaml: not valid YAML"):
        load_pipeline(bad)
    bad.write_text("name: x\n")
    with pytest.raises(SpecError, match=r"'steps' must be a non-empty mapping"):
        load_pipeline(bad)
    with pytest.raises(SpecError, match=r"cannot read the pipeline file"):
        load_pipeline(tmp_path / "absent.yaml")


def test_overrides(project):
    pipe = _load(project, BASE)
    assert parse_override("b.value=0.5") == ("b", "value", 0.5)
    assert parse_override("inputs.x=other.txt") == ("inputs", "x", "other.txt")
    new = apply_overrides(pipe, [parse_override("b.value=7"), parse_override("inputs.x=in2.txt")])
    assert new.steps["b"].parameters["value"] == 7 and new.inputs["x"] == "in2.txt"
    assert pipe.steps["b"].parameters["value"] == 2  # input never mutated
    with pytest.raises(SpecError, match=r"--set zz.value: unknown step 'zz'"):
        apply_overrides(pipe, [parse_override("zz.value=1")])
    with pytest.raises(SpecError, match=r"expected step.param=value"):
        parse_override("value=1")
    with pytest.raises(SpecError, match=r"'nope' is not declared"):
        validate(apply_overrides(pipe, [parse_override("b.nope=1")]), project=project)


def test_notebook_parameters_reads_literals():
    assert notebook_parameters(NOTEBOOKS / "add.ipynb") == {
        "in_path": "",
        "out_path": "",
        "value": 1,
        "sleep": 0.0,
    }
