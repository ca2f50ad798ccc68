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
- *Category confusion*: for each pair of reviewers of a document, their spans matched one to
  one, by identical boundaries (exact) or by a shared code point (overlap), whatever the
  categories; each matched pair counts once, as the unordered pair of its two categories
  (the matrix is symmetric; its diagonal is agreement), summed over documents and pairs.
- *Evidence attributes*: the spans two or more reviewers of a document marked with the same
  boundaries and category are units; each such reviewer's status of the allegation (and,
  separately, type of source) is a value; Krippendorff's nominal alpha over those units.
- *Confidence intervals*: percentile bootstrap resampling documents, seeded; an interval
  resting on fewer than ``FEW_DOCUMENTS`` documents is flagged as rough.

The modules: ``token_values`` cuts texts into tokens and gives each reviewer's value for each
token; ``matching`` pairs two reviewers' spans and counts what the pairs say; ``figures``
computes every figure (``corpus_figures``) and reads an alpha (``reading``); ``tables`` lays
the figures out as rows for CSV and as one JSON document.
"""

from annotator.corpus_agreement.figures import (
    ATTRIBUTES,
    FEW_DOCUMENTS,
    FIGURES_SCHEMA,
    RELIABLE,
    TENTATIVE,
    DocumentLayers,
    Span,
    corpus_figures,
    few_documents,
    reading,
)
from annotator.corpus_agreement.matching import (
    MATCHINGS,
    ReviewerSpan,
    attribute_codes,
    matched_pairs,
    pair_matches,
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
    "ATTRIBUTES",
    "FEW_DOCUMENTS",
    "FIGURES_SCHEMA",
    "FIGURE_COLUMNS",
    "MASK_BITS",
    "MATCHINGS",
    "NO_CATEGORY",
    "RELIABLE",
    "TENTATIVE",
    "TOKEN",
    "TOKEN_WORD",
    "DocumentLayers",
    "ReviewerSpan",
    "Span",
    "TokenValues",
    "attribute_codes",
    "corpus_figures",
    "few_documents",
    "figure_rows",
    "figures_document",
    "matched_pairs",
    "pair_matches",
    "reading",
    "tokens",
]
