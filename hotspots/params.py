"""The record of one parameter of an analysis: its value and why it has that value.

Every method in ``hotspots`` returns its parameters as a mapping of name to
:class:`Parameter`, so an app or an export can print what was used, whether it was
chosen from the data or given, and the reason.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Parameter:
    """A parameter used by an analysis.

    Parameters
    ----------
    name : str
        The argument name, as the user would pass it (``"eps"``).
    value : Any
        The value used.
    unit : str
        Unit of ``value`` (``"m"``, ``"days"``, ``"incidents"``), or ``""``.
    reason : str
        Why the value was used: the rule and the figures it was computed from, or
        ``"given"`` when the user passed it.
    chosen_automatically : bool
        True when the value was computed from the data rather than given.
    """

    name: str
    value: Any
    unit: str
    reason: str
    chosen_automatically: bool

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        value = f"{self.value:.4g}" if isinstance(self.value, float) else f"{self.value}"
        if self.chosen_automatically:
            return f"{self.name} = {value}{unit} (chosen automatically: {self.reason})"
        if self.reason == "given":
            return f"{self.name} = {value}{unit} (given)"
        return f"{self.name} = {value}{unit} (given: {self.reason})"


def given(name: str, value: Any, unit: str = "") -> Parameter:
    """A parameter the user passed."""
    return Parameter(name, value, unit, "given", False)


def chosen(name: str, value: Any, unit: str, reason: str) -> Parameter:
    """A parameter computed from the data, with the reason."""
    return Parameter(name, value, unit, reason, True)
