"""Agreement figures of a corpus: every statistic a project's agreement page shows.

Pure functions on plain data (no Django): documents in, a JSON-ready dict of figures out.
The statistics themselves are in ``annotator.agreement``; this module decides what they are
computed on:

- *Unitizing alpha* on code points: each document is a section of the continuum, its
  submitted reviewers its raters (a reviewer who marked nothing disagrees with those who
  did). Overall and per category.
- *Token level*: the text is cut into tokens (a run of letters, digits and combining marks,
  or any other single non-space character). Each reviewer gives each token a value: the
  category of the span covering it, several categories joined with ``+`` when spans of
  different categories cover it, and ``(none)`` when no span does. Krippendorff's nominal
  alpha treats tokens as units and reviewers as coders; Cohen's kappa is computed for each
  pair of reviewers over the documents they share, and the headline kappa is the mean of the
  pairs' kappas (Light 1971).
- *Span F1* between two reviewers of a document, exact (same boundaries and category) and
  overlap (sharing a code point, same category), micro-averaged: counts are summed over
  documents and pairs before the ratios are taken.
- *Reviewers against gold*: on reconciled documents only (elsewhere the gold layer is not
  finished), each reviewer's spans against the gold layer, per category and over all.
- *Confidence intervals*: percentile bootstrap resampling documents, seeded.

The modules: ``token_values`` cuts texts into tokens and gives each reviewer's value for each
token; ``figures`` computes every figure (``corpus_figures``) and reads an alpha
(``reading``); ``tables`` lays the figures out as rows for CSV and as one JSON document.
"""

from annotator.corpus_agreement.figures import (
    RELIABLE,
    TENTATIVE,
    DocumentLayers,
    Span,
    corpus_figures,
    reading,
)
from annotator.corpus_agreement.tables import FIGURE_COLUMNS, figure_rows, figures_document
from annotator.corpus_agreement.token_values import (
    MASK_BITS,
    NO_CATEGORY,
    TOKEN,
    TOKEN_WORD,
    TokenValues,
    tokens,
)

__all__ = [
    "FIGURE_COLUMNS",
    "MASK_BITS",
    "NO_CATEGORY",
    "RELIABLE",
    "TENTATIVE",
    "TOKEN",
    "TOKEN_WORD",
    "DocumentLayers",
    "Span",
    "TokenValues",
    "corpus_figures",
    "figure_rows",
    "figures_document",
    "reading",
    "tokens",
]
