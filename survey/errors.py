"""User-facing errors.

Every error a user can cause is a :class:`SurveyError`. It carries *where* (file, row, column or
YAML path), *what was expected* and *what was found*. Validation collects every problem and
raises once; ``.problems`` holds them all and ``.to_frame()`` returns them as a table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem with an input: its location and a capitalised sentence saying what is wrong."""

    where: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SurveyError(Exception):
    """Base class of every error caused by user input (the CLI prints these and exits 2)."""

    def __init__(self, problems: list[Problem] | Problem | str, where: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(where, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more problems.")
        if len(self.problems) > 1:
            lines.insert(0, f"{len(self.problems)} problems found:")
        return "\n".join(lines)

    def to_frame(self):
        """All problems as a DataFrame with columns where, row, column, value, message."""
        import pandas as pd

        return pd.DataFrame(
            [
                {"where": p.where, "row": p.row, "column": p.column, "value": p.value,
                 "message": p.message}
                for p in self.problems
            ],
            columns=["where", "row", "column", "value", "message"],
        )


class QuestionnaireError(SurveyError):
    """A questionnaire definition is malformed or inconsistent."""


class ModelSpecError(SurveyError):
    """A path-model definition is malformed or does not fit the questionnaire."""


class ResponseValidationError(SurveyError):
    """A response file cannot be read or lacks what the questionnaire requires."""


class EstimationError(SurveyError):
    """The data cannot be estimated with the model (e.g. a constant item, too few rows)."""


class SamplingError(SurveyError):
    """A sample cannot be drawn as asked (bad size, strata or allocation)."""


class WeightingError(SurveyError):
    """Weights cannot reach the population targets, or a precision cannot be computed."""
