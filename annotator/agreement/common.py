"""What every agreement statistic shares: missing values, undefined figures, section weights."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

NAN = float("nan")


def is_missing(value: Any) -> bool:
    """Whether a coder gave no value: ``None`` or a float NaN."""
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def one_minus(observed: float, expected: float) -> float:
    """``1 - observed / expected``, NaN where the expected disagreement is zero or undefined."""
    return 1.0 - observed / expected if expected > 0 else NAN


def section_weights(weights: Sequence[int] | np.ndarray | None, n_sections: int) -> np.ndarray:
    """Each section's multiplicity as floats: 1 each for ``None``, else checked non-negative."""
    if weights is None:
        return np.ones(n_sections)
    array = np.asarray(weights)
    if array.shape != (n_sections,) or (array < 0).any():
        raise ValueError(
            f"weights must be {n_sections} non-negative multiplicities, one a section."
        )
    return array.astype(np.float64)
