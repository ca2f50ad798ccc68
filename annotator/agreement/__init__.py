"""Agreement statistics: pure functions and building blocks on plain data (NumPy, no Django).

Every figure the product shows about how far reviewers agree is computed here, so that it can be
read, tested against the published worked examples and recomputed exactly.

Conventions:

- A *missing* value is ``None`` or a float NaN.
- A statistic that the data leave undefined (nothing pairable, a single category, an empty
  continuum, no expected disagreement) is ``float("nan")``. Only illegitimate input raises
  ``ValueError``: sequences of unequal length, a span outside its document, a rater who was not
  among the section's raters, a ratio-scale value below zero.
- Offsets are half-open code-point intervals ``[begin, end)``; two spans *overlap* when they
  share at least one code point.
- The building blocks (``UnitizingStudy``, ``NominalCoincidences``, ``PairwiseKappa``) keep
  per-*section* (per-document) sufficient statistics. Their ``weights`` argument is an integer
  multiplicity per section, as drawn by a bootstrap resample of documents: a statistic with
  ``weights`` equals the statistic of the data in which section ``s`` is repeated ``weights[s]``
  times, and costs a few array operations. ``bootstrap_ci`` draws those weights.

One module per kind of statistic:

- ``coding``: nominal Krippendorff's alpha (``NominalCoincidences``) and pairwise Cohen's kappa
  (``PairwiseKappa``) over sections of coded units;
- ``unitizing``: Krippendorff's alpha for unitizing (``UnitizingStudy``, ``unitizing_alpha``);
- ``spans``: precision, recall and F1 of spans (``span_prf``, ``span_matches``, ``prf``);
- ``bootstrap``: percentile confidence intervals resampling sections (``bootstrap_ci``);
- ``common``: the conventions above, as helpers the others share.
"""

from annotator.agreement.bootstrap import bootstrap_ci
from annotator.agreement.coding import NominalCoincidences, PairwiseKappa
from annotator.agreement.common import NAN
from annotator.agreement.spans import MATCH_COUNTS, prf, span_matches, span_prf
from annotator.agreement.unitizing import UnitizingSection, UnitizingStudy, unitizing_alpha

__all__ = [
    "MATCH_COUNTS",
    "NAN",
    "NominalCoincidences",
    "PairwiseKappa",
    "UnitizingSection",
    "UnitizingStudy",
    "bootstrap_ci",
    "prf",
    "span_matches",
    "span_prf",
    "unitizing_alpha",
]
