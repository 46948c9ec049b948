from __future__ import annotations

import pickle

import pytest

from climpy import exceptions as exc


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (exc.InputError, ValueError),
        (exc.GridError, ValueError),
        (exc.EditReplayError, ValueError),
        (exc.MissingDependencyError, ImportError),
    ],
)
def test_errors_are_builtins_too(cls, builtin):
    assert issubclass(cls, exc.ClimpyError)
    with pytest.raises(builtin):
        raise cls("x")


def test_step_failed_error_carries_location_and_pickles():
    err = exc.StepFailedError(
        "routing",
        "notebooks/03_routing.ipynb",
        cell_index=4,
        error_name="ValueError",
        error_value="bad",
        output_notebook="store/ab/03_routing.ipynb",
    )
    assert isinstance(err, exc.PipelineError)
    assert "cell 4" in str(err) and "store/ab/03_routing.ipynb" in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert (back.step, back.cell_index, back.output_notebook) == ("routing", 4, "store/ab/03_routing.ipynb")
    assert str(back) == str(err)


def test_missing_dependency_names_the_extra():
    err = exc.missing_dependency("panel", "editors")
    assert isinstance(err, ImportError)
    assert "pip install 'climpy[editors]'" in str(err)
