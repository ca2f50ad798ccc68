"""Bootstrap: percentile confidence intervals of any statistic, resampling whole sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from annotator.agreement.common import NAN


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float | np.ndarray],
    n_sections: int,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[Any, Any]:
    """Percentile bootstrap confidence interval, resampling sections (documents).

    Each resample draws ``n_sections`` sections with replacement, given to ``statistic`` as an
    int array of multiplicities (``numpy.random.default_rng(seed).multinomial``), so the result
    is reproducible for a seed. Resamples where the statistic is NaN are dropped; when fewer than
    half of them remain, or there are fewer than two sections, the interval is ``(nan, nan)``.
    A statistic returning an array (e.g. ``UnitizingStudy.alphas``) gets an interval per entry,
    as two arrays. Source: Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13;
    resampling whole documents keeps the dependence between the spans of one document.
    """
    if not 0 < confidence < 1 or n_resamples < 1:
        raise ValueError("confidence must be in (0, 1) and n_resamples at least 1.")
    if n_sections < 2:
        shape = np.shape(statistic(np.ones(n_sections, dtype=np.int64)))
        return (NAN, NAN) if shape == () else (np.full(shape, NAN), np.full(shape, NAN))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_sections, np.full(n_sections, 1 / n_sections), size=n_resamples)
    values = np.array([statistic(weights) for weights in draws], dtype=np.float64)
    columns = values.reshape(n_resamples, -1)
    low, high = np.full(columns.shape[1], NAN), np.full(columns.shape[1], NAN)
    for index, column in enumerate(columns.T):
        kept = column[~np.isnan(column)]
        if len(kept) >= max(2, n_resamples / 2):
            low[index], high[index] = np.quantile(
                kept, [(1 - confidence) / 2, (1 + confidence) / 2]
            )
    if values.ndim == 1:
        return float(low[0]), float(high[0])
    return low, high
