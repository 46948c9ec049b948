"""The whole exception and warning hierarchy of climpy, in one place.

Every error a user can meet derives from :class:`ClimpyError`. Where a builtin fits, the class
also derives from it (``InputError`` is a ``ValueError``) so callers catching builtins keep working.
Messages name the file, the variable and the fix.
"""

from __future__ import annotations

__all__ = [
    "ClimpyError",
    "ClimpyWarning",
    "EditReplayError",
    "GridError",
    "InputError",
    "MissingDependencyError",
    "PipelineError",
    "StepFailedError",
    "missing_dependency",
]


class ClimpyError(Exception):
    """Root of every climpy error."""


class ClimpyWarning(UserWarning):
    """A recoverable oddity that climpy corrected or ignored (always logged too)."""


class InputError(ClimpyError, ValueError):
    """A user input (file, variable, argument, table) is not usable as given."""


class GridError(ClimpyError, ValueError):
    """A grid is inconsistent, unsupported, or does not match the grid it must match."""


class EditReplayError(ClimpyError, ValueError):
    """An edit file cannot be replayed on the given dataset (other grid, corrupted file)."""


class PipelineError(ClimpyError):
    """A pipeline specification or store is invalid, or a run cannot proceed."""


class StepFailedError(PipelineError):
    """A pipeline step failed while executing its notebook.

    Carries where it failed, like papermill's ``PapermillExecutionError``.
    """

    def __init__(
        self,
        step: str,
        notebook: str,
        *,
        cell_index: int | None = None,
        error_name: str = "",
        error_value: str = "",
        output_notebook: str | None = None,
    ) -> None:
        self.step = step
        self.notebook = notebook
        self.cell_index = cell_index
        self.error_name = error_name
        self.error_value = error_value
        self.output_notebook = output_notebook
        where = f" in cell {cell_index}" if cell_index is not None else ""
        saved = f"; executed notebook kept at {output_notebook}" if output_notebook else ""
        super().__init__(
            f"step {step!r} failed{where} of {notebook}: {error_name}: {error_value}{saved}"
        )

    def __reduce__(self):  # picklable across process pools and Dask workers
        return (
            _rebuild_step_failed,
            (
                self.step,
                self.notebook,
                self.cell_index,
                self.error_name,
                self.error_value,
                self.output_notebook,
            ),
        )


def _rebuild_step_failed(step, notebook, cell_index, error_name, error_value, output_notebook):
    return StepFailedError(
        step,
        notebook,
        cell_index=cell_index,
        error_name=error_name,
        error_value=error_value,
        output_notebook=output_notebook,
    )


class MissingDependencyError(ClimpyError, ImportError):
    """An optional dependency is not installed; the message names the pip extra."""


def missing_dependency(package: str, extra: str) -> MissingDependencyError:
    """Build the error raised when an optional ``package`` of extra ``extra`` is missing.

    Modelled on papermill's ``missing_dependency_generator``.
    """
    return MissingDependencyError(
        f"{package} is not installed; it is needed for this feature. "
        f"Install it with: pip install 'climpy[{extra}]'"
    )
