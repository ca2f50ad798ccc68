"""Agreement statistics against published worked examples and hand-computed cases (no database).

The plain coding statistics (Krippendorff's alpha, Cohen's and Fleiss' kappa) are the test
oracles of ``tests/oracles.py``: they reproduce the published examples here, Krippendorff's
alpha is held to the independent package ``krippendorff`` as well, and the product's building
blocks are held to them.
"""

import math
import random

import krippendorff
import numpy as np
import pytest

from annotator.agreement import (
    NominalCoincidences,
    PairwiseKappa,
    UnitizingSection,
    UnitizingStudy,
    bootstrap_ci,
    span_matches,
    span_prf,
    unitizing_alpha,
)
from tests.oracles import cohen_kappa, fleiss_kappa, krippendorff_alpha

N = None

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §E: 4 observers × 12 units
# with missing values (also Krippendorff 2004, Content Analysis 2nd ed., p. 230).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]

# Wikipedia, "Krippendorff's alpha", § A computational example: 3 coders × 15 units.
WIKIPEDIA_ALPHA = [
    [N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
    [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
    [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4],
]


def is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


# Krippendorff's alpha


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_reproduces_krippendorff_2011(level, published):
    alpha = krippendorff_alpha(KRIPPENDORFF_2011, level)
    assert alpha == pytest.approx(published, abs=1e-3), f"{level} alpha {alpha:.4f} ≠ {published}"


def test_krippendorff_alpha_binary_two_coders_reproduces_krippendorff_2011():
    # Krippendorff (2011) §A and (2004) p. 224: 2 coders × 10 units of binary data, alpha = .095.
    coder_a = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    coder_b = [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
    alpha = krippendorff_alpha([coder_a, coder_b])
    assert alpha == pytest.approx(0.095, abs=1e-3), f"binary alpha {alpha:.4f} ≠ 0.095"


def test_krippendorff_alpha_nominal_two_coders_reproduces_krippendorff_2004_p227():
    # Krippendorff (2004), p. 227: 12 units coded by 2 observers, alpha = .734.
    pairs = [("a", "a"), ("a", "b"), *[("b", "b")] * 4, ("b", "c"), *[("c", "c")] * 5]
    alpha = krippendorff_alpha([[a for a, _ in pairs], [b for _, b in pairs]], "nominal")
    assert alpha == pytest.approx(0.734, abs=1e-3), f"nominal alpha {alpha:.4f} ≠ 0.734"


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.691), ("interval", 0.811)])
def test_krippendorff_alpha_reproduces_the_wikipedia_example(level, published):
    alpha = krippendorff_alpha(WIKIPEDIA_ALPHA, level)
    assert alpha == pytest.approx(published, abs=1e-3), f"{level} alpha {alpha:.4f} ≠ {published}"


def test_krippendorff_alpha_takes_nan_as_missing_and_any_hashable_as_nominal():
    with_nan = [[math.nan if v is None else v for v in coder] for coder in KRIPPENDORFF_2011]
    assert krippendorff_alpha(with_nan) == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011))
    as_text = [[N if v is None else f"v{v}" for v in coder] for coder in KRIPPENDORFF_2011]
    assert krippendorff_alpha(as_text) == pytest.approx(0.743, abs=1e-3)


def test_krippendorff_alpha_perfect_agreement_is_one():
    coders = [[1, 2, 3, 2], [1, 2, 3, 2], [1, N, 3, 2]]
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(coders, level) == pytest.approx(1.0), f"{level} not 1"


def test_krippendorff_alpha_is_nan_where_undefined():
    assert is_nan(krippendorff_alpha([[N, N, N], [N, N, N]])), "all missing must be nan"
    assert is_nan(krippendorff_alpha([[1, N], [N, 2]])), "no unit with two values must be nan"
    assert is_nan(krippendorff_alpha([[1, 2, 3]])), "a single coder must be nan"
    assert is_nan(krippendorff_alpha([])), "no coder must be nan"
    assert is_nan(krippendorff_alpha([["x", "x"], ["x", "x"]])), "one category only must be nan"


def test_krippendorff_alpha_rejects_illegitimate_data():
    with pytest.raises(ValueError, match="same number of units"):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1], [1]], "cardinal")
    with pytest.raises(ValueError, match="numbers"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], "interval")
    with pytest.raises(ValueError, match="negative"):
        krippendorff_alpha([[-1, 2], [-1, 2]], "ratio")


# Krippendorff's alpha against the independent package ``krippendorff``

# The published examples above, numbers for values (Krippendorff 2004, p. 227: a, b, c as 1-3).
PUBLISHED_RELIABILITY_DATA = {
    "krippendorff_2011": KRIPPENDORFF_2011,
    "wikipedia": WIKIPEDIA_ALPHA,
    "krippendorff_2011_binary": [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]],
    "krippendorff_2004_p227": [
        [1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3],
        [1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3],
    ],
}


def as_matrix(data) -> np.ndarray:
    """Reliability data as the package ``krippendorff`` takes them: floats, NaN for missing."""
    return np.array([[math.nan if v is None else v for v in coder] for coder in data], float)


def random_reliability_data(seed: int) -> list[list[int | None]]:
    """Coders × units of values 1 to 7, some missing; always defined (unit 0 is disputed)."""
    rng = np.random.default_rng(seed)
    n_coders, n_units = int(rng.integers(2, 7)), int(rng.integers(5, 60))
    values = rng.integers(1, int(rng.integers(2, 8)) + 1, size=(n_coders, n_units)).tolist()
    missing = rng.random((n_coders, n_units)) < rng.uniform(0, 0.4)
    data = [
        [N if gone else v for v, gone in zip(*row, strict=True)]
        for row in zip(values, missing, strict=True)
    ]
    data[0][0], data[1][0] = 1, 2
    return data


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("name", PUBLISHED_RELIABILITY_DATA)
def test_krippendorff_alpha_equals_the_package_krippendorff_on_the_published_examples(name, level):
    data = PUBLISHED_RELIABILITY_DATA[name]
    expected = krippendorff.alpha(reliability_data=as_matrix(data), level_of_measurement=level)
    alpha = krippendorff_alpha(data, level)
    assert alpha == pytest.approx(expected, rel=1e-12), f"{name} {level}: {alpha} ≠ {expected}"


def test_krippendorff_alpha_equals_the_package_krippendorff_on_random_data():
    for seed in range(100):
        data = random_reliability_data(seed)
        for level in ("nominal", "ordinal", "interval", "ratio"):
            expected = krippendorff.alpha(
                reliability_data=as_matrix(data), level_of_measurement=level
            )
            assert not math.isnan(expected), f"seed {seed} {level}: the data must be defined"
            alpha = krippendorff_alpha(data, level)
            assert alpha == pytest.approx(expected, rel=1e-9, abs=1e-12), (
                f"seed {seed} {level}: {alpha} ≠ {expected}"
            )


# Cohen's kappa


def from_table(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Two raters' labels reproducing a contingency table (rows: rater A, columns: rater B)."""
    labels_a, labels_b = [], []
    for row, counts in enumerate(table):
        for column, count in enumerate(counts):
            labels_a += [row] * count
            labels_b += [column] * count
    return labels_a, labels_b


def test_cohen_kappa_reproduces_cohen_1960_p45():
    # Cohen (1960), Educational and Psychological Measurement 20:37-46, p. 45: 200 units,
    # p_o = .70, p_c = .41, kappa = .492.
    kappa = cohen_kappa(*from_table([[88, 14, 18], [10, 40, 10], [2, 6, 12]]))
    assert kappa == pytest.approx(0.492, abs=1e-3), f"kappa {kappa:.4f} ≠ 0.492"


@pytest.mark.parametrize(
    ("table", "published"),
    [
        ([[12, 9, 9], [9, 14, 9], [9, 9, 20]], 0.186),
        ([[12, 18, 18], [0, 14, 18], [0, 0, 20]], 0.258),
    ],
)
def test_cohen_kappa_reproduces_krippendorff_2004_p246(table, published):
    kappa = cohen_kappa(*from_table(table))
    assert kappa == pytest.approx(published, abs=1e-3), f"kappa {kappa:.4f} ≠ {published}"


def test_cohen_kappa_leaves_out_units_with_a_missing_label():
    assert cohen_kappa(["a", "b", N, "a"], ["a", "b", "b", math.nan]) == pytest.approx(1.0)


def test_cohen_kappa_is_nan_where_undefined_and_rejects_unequal_lengths():
    assert is_nan(cohen_kappa([], [])), "no units must be nan"
    assert is_nan(cohen_kappa([N, "a"], ["a", N])), "no unit with both labels must be nan"
    assert is_nan(cohen_kappa(["a", "a"], ["a", "a"])), "one label only must be nan"
    with pytest.raises(ValueError, match="differ in length"):
        cohen_kappa(["a"], ["a", "b"])


# Fleiss' kappa


def test_fleiss_kappa_reproduces_fleiss_1971_table_1():
    # Fleiss (1971), Psychological Bulletin 76:378-382, p. 379: 30 patients, 6 psychiatrists,
    # 5 diagnoses; kappa = .430.
    ratings = [
        "444444 222555 233335 555555 222444 113333 333355 113334 114444 555555",
        "144444 124444 222333 144444 224445 333335 111455 111112 224444 133555",
        "555555 244444 224555 114444 144445 222224 111155 224444 133333 555555",
    ]
    counts = [
        [subject.count(str(category)) for category in range(1, 6)]
        for line in ratings
        for subject in line.split()
    ]
    assert len(counts) == 30, "transcription of Fleiss' table"
    kappa = fleiss_kappa(counts)
    assert kappa == pytest.approx(0.430, abs=1e-3), f"kappa {kappa:.4f} ≠ 0.430"


def test_fleiss_kappa_reproduces_the_wikipedia_example():
    # Wikipedia, "Fleiss' kappa", § Worked example: 10 subjects × 14 raters × 5 categories,
    # P̄ = 0.378, P̄e = 0.213, kappa = 0.210.
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    kappa = fleiss_kappa(counts)
    assert kappa == pytest.approx(0.210, abs=1e-3), f"kappa {kappa:.4f} ≠ 0.210"


def test_fleiss_kappa_edge_cases():
    assert fleiss_kappa([[3, 0], [0, 3], [3, 0]]) == pytest.approx(1.0), "perfect agreement"
    assert is_nan(fleiss_kappa([[3, 0], [3, 0]])), "a single category used must be nan"
    assert is_nan(fleiss_kappa([])), "no subjects must be nan"
    assert is_nan(fleiss_kappa([[1, 0], [0, 1]])), "one rater a subject must be nan"
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa([[2, 1], [1, 1]])
    with pytest.raises(ValueError, match="rater counts"):
        fleiss_kappa([[1.5, 1.5], [3, 0]])


# Unitizing alpha

# Krippendorff (2004), Content Analysis 2nd ed., §12.4, p. 254, as transcribed by DKPro
# Agreement (Krippendorff2004Test): a continuum [150, 450), two observers, categories c and k.
KRIPPENDORFF_2004_UNITS = [
    (225, 295, "i", "c"),
    (370, 400, "i", "c"),
    (220, 300, "j", "c"),
    (355, 375, "j", "c"),
    (400, 420, "j", "c"),
    (180, 240, "i", "k"),
    (300, 350, "i", "k"),
    (180, 240, "j", "k"),
    (300, 350, "j", "k"),
]

# Krippendorff (1995), Sociological Methodology 25:47-76, p. 57: four pairs of observers on a
# continuum of 24, one category each, as (begin, length, observer, category).
KRIPPENDORFF_1995_UNITS = [
    *[(2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A")],
    *[(0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B")],
    *[(5, 1, 1, "B"), (6, 3, 1, "B"), (9, 1, 1, "B")],
    *[(2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"), (0, 2, 1, "C")],
    *[(4, 4, 1, "C"), (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C")],
    *[(0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D")],
    *[(0, 4, 1, "D"), (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D")],
]


def krippendorff_1995(stretch: float, categories: str = "ABCD") -> UnitizingStudy:
    units = [
        (int(b * stretch), int(b * stretch) + int(n * stretch), rater, category)
        for b, n, rater, category in KRIPPENDORFF_1995_UNITS
        if category in categories
    ]
    return UnitizingStudy([UnitizingSection(int(24 * stretch), units, [0, 1])])


def test_unitizing_alpha_reproduces_krippendorff_2004_p254():
    study = UnitizingStudy(
        [(300, [(b - 150, e - 150, r, c) for b, e, r, c in KRIPPENDORFF_2004_UNITS])]
    )
    disagreements = study.disagreements()
    assert disagreements["c"] == pytest.approx((0.0144, 0.0532), abs=1e-4), "D_o, D_e of c"
    assert disagreements["k"] == pytest.approx((0.0, 0.0490), abs=1e-4), "D_o, D_e of k"
    assert study.alpha(category="c") == pytest.approx(0.7286, abs=1e-4), "alpha of c"
    assert study.alpha(category="k") == pytest.approx(1.0), "alpha of k: identical units"
    # The published 0.8591 (checked by DKPro Agreement within 0.0005) is 1 - 0.0144 / (0.0532 +
    # 0.0490), from the rounded disagreements; unrounded it is 0.8587.
    overall = unitizing_alpha(KRIPPENDORFF_2004_UNITS, 150, 300)
    assert overall == pytest.approx(0.859, abs=1e-3), f"overall alpha {overall:.4f} ≠ 0.859"


@pytest.mark.parametrize(
    ("unit_i", "unit_j", "delta_squared"),
    [
        # Pairs of the Krippendorff (2004) p. 254 example, as in DKPro's Krippendorff2004Test.
        ((225, 295, "c"), (220, 300, "c"), 50),
        ((370, 400, "c"), (355, 375, "c"), 850),
        ((400, 450, "gap"), (400, 420, "c"), 400),  # a unit inside the other's gap: l²
        ((1, 9, "c"), (2, 3, "c"), 37),  # DKPro Agreement, UnitizingAgreementTest
    ],
)
def test_unitizing_distance_of_two_segments(unit_i, unit_j, delta_squared):
    units = [(b, e, rater, c) for (b, e, c), rater in ((unit_i, "i"), (unit_j, "j")) if c == "c"]
    study = UnitizingStudy([UnitizingSection(1000, units, ["i", "j"])])
    observed, _ = study.disagreements()["c"]
    # Two raters: D_o = (δ² counted for both ordered pairs) / (2 · 1 · L²).
    assert observed * 1000**2 == pytest.approx(delta_squared), "δ² of the segment pair"


def test_unitizing_observed_disagreement_reproduces_krippendorff_1995_p57():
    published = {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}
    for category, (observed, _) in krippendorff_1995(1).disagreements().items():
        assert observed == pytest.approx(published[category], abs=1e-5), f"D_o of {category}"


def test_unitizing_expected_disagreement_approaches_krippendorff_1995_p57():
    # The 1995 paper's D_e is the limit of a finely divided continuum; DKPro Agreement
    # (Krippendorff1995Test) checks it on the continuum stretched to 1.2 million positions
    # within 0.005 (D_e) and 0.02 (alpha), noting a small error in the paper's D_e.
    published = {
        "A": (0.06990, 0.553),
        "B": (1.17731, -0.926),
        "C": (0.08642, 0.679),
        "D": (0.41445, 0.066),
    }
    study = krippendorff_1995(50_000)
    for category, (expected, alpha) in published.items():
        assert study.disagreements()[category][1] == pytest.approx(expected, abs=5e-3), category
        assert study.alpha(category=category) == pytest.approx(alpha, abs=2e-2), category


def test_unitizing_matches_dkpro_agreement_on_small_continua():
    # DKPro Agreement's own cases (UnitizingAgreementTest; Krippendorff1995Test at stretch 0.5).
    # r0: -11111111-   r1: --1-1-1---   (r1's gaps inside r0's unit add nothing)
    study = UnitizingStudy([(10, [(1, 9, 0, "A"), (2, 3, 1, "A"), (4, 5, 1, "A"), (6, 7, 1, "A")])])
    assert study.disagreements()["A"] == pytest.approx((0.9100, 0.5351), abs=1e-4)
    assert study.alpha(category="A") == pytest.approx(-0.7003, abs=1e-4)
    half = krippendorff_1995(0.5, categories="C")
    assert half.disagreements()["C"][1] == pytest.approx(0.05494, abs=1e-5)
    assert half.alpha(category="C") == pytest.approx(0.494, abs=1e-3)
    # One unit by one of three raters: D_o equals D_e exactly, alpha 0.
    assert unitizing_alpha([(0, 1, "r0", "X")], 0, 20, raters=["r0", "r1", "r2"]) == pytest.approx(
        0.0, abs=1e-12
    )


def test_unitizing_perfect_agreement_is_one():
    units = [(b, e, rater, c) for rater in "ab" for b, e, c in [(2, 5, "x"), (7, 9, "y")]]
    assert unitizing_alpha(units, 0, 12) == pytest.approx(1.0)
    assert unitizing_alpha(units, 0, 12, category="y") == pytest.approx(1.0)


def test_unitizing_a_rater_who_marked_nothing():
    # L = 10, rater a marks [2, 5), rater b nothing. D_o = 2·3² / (2·1·10²) = 0.09.
    # D_e = (2/10)·(0 + 3²·((5-3+1) + (10-3+1))) / (20·19 - 3·2) = 19.8 / 374; alpha = -0.7.
    alpha = unitizing_alpha([(2, 5, "a", "x")], 0, 10, raters=["a", "b"])
    assert alpha == pytest.approx(-0.7), f"alpha {alpha} ≠ -0.7"
    # Without naming b, only one rater is known: nothing is pairable.
    assert is_nan(unitizing_alpha([(2, 5, "a", "x")], 0, 10)), "one rater must be nan"


def test_unitizing_is_nan_where_undefined():
    assert is_nan(unitizing_alpha([], 0, 10, raters=["a", "b"])), "no units must be nan"
    assert is_nan(unitizing_alpha([], 0, 0, raters=["a", "b"])), "empty continuum must be nan"
    assert is_nan(unitizing_alpha([(0, 2, "a", "x")], 0, 4, "y", ["a", "b"])), "unknown category"
    assert is_nan(UnitizingStudy([]).alpha()), "a study without sections must be nan"


def test_unitizing_rejects_illegitimate_units():
    with pytest.raises(ValueError, match="outside"):
        unitizing_alpha([(5, 12, "a", "x")], 0, 10, raters=["a", "b"])
    with pytest.raises(ValueError, match="outside"):
        unitizing_alpha([(5, 5, "a", "x")], 0, 10, raters=["a", "b"])
    with pytest.raises(ValueError, match="not among the raters"):
        unitizing_alpha([(1, 2, "c", "x")], 0, 10, raters=["a", "b"])


def test_unitizing_overall_alpha_pools_the_categories_disagreements():
    study = UnitizingStudy([(24, [(b, b + n, r, c) for b, n, r, c in KRIPPENDORFF_1995_UNITS])])
    observed, expected = np.array(list(study.disagreements().values())).sum(axis=0)
    assert study.alpha() == pytest.approx(1 - observed / expected)
    assert study.categories == ["A", "B", "C", "D"]


def test_unitizing_merges_overlapping_units_of_a_rater_but_not_touching_ones():
    other = [(0, 8, "b", "x")]
    merged = unitizing_alpha([(0, 5, "a", "x"), (3, 8, "a", "x"), *other], 0, 10)
    assert merged == pytest.approx(1.0), "(0,5) ∪ (3,8) is (0,8), as b marked"
    touching = unitizing_alpha([(0, 4, "a", "x"), (4, 8, "a", "x"), *other], 0, 10)
    assert touching < 1.0, "touching units are two units"


def test_unitizing_alpha_is_independent_of_where_the_continuum_begins():
    shifted = [(b + 1000, e + 1000, r, c) for b, e, r, c in KRIPPENDORFF_2004_UNITS]
    assert unitizing_alpha(shifted, 1150, 300) == pytest.approx(
        unitizing_alpha(KRIPPENDORFF_2004_UNITS, 150, 300)
    )


def random_sections(seed: int, n_sections: int = 6, most_raters: int = 3) -> list[UnitizingSection]:
    """Documents with 2 to ``most_raters`` raters each from a pool of 5, some of whom marked
    nothing, with units that may overlap, touch or nest."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    sections = []
    for _ in range(n_sections):
        length = rng.randint(20, 80)
        raters = rng.sample("abcde", rng.randint(2, most_raters))
        units = []
        for rater in raters[: rng.choice([1, len(raters)])]:
            for _ in range(rng.randint(0, 6)):
                begin = rng.randrange(length - 1)
                end = rng.randint(begin + 1, min(length, begin + 15))
                units.append((begin, end, rater, rng.choice("xy")))
        sections.append(UnitizingSection(length, units, raters))
    return sections


def naive_disagreements(sections: list[UnitizingSection], category) -> tuple[float, float]:
    """D_o and D_e transcribed loop by loop from the formulas in UnitizingStudy's docstring."""
    observed, lengths, positions, units, gaps = 0.0, 0, 0, [], []
    for section in sections:
        raters = list(dict.fromkeys(section.raters or [u[2] for u in section.units]))
        if len(raters) < 2 or section.length == 0:
            continue
        lengths += section.length
        positions += len(raters) * section.length
        continua = {}
        for rater in raters:
            merged = []  # overlapping units merge; touching ones stay apart
            for b, e in sorted(
                (b, e) for b, e, r, c in section.units if (r, c) == (rater, category)
            ):
                if merged and b < merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], e)
                else:
                    merged.append([b, e])
            segments, position = [], 0
            for b, e in merged:
                segments += [(position, b, False)] if position < b else []
                segments.append((b, e, True))
                position = e
            segments += [(position, section.length, False)] if position < section.length else []
            continua[rater] = segments
            units += [e - b for b, e, unit in segments if unit]
            gaps += [e - b for b, e, unit in segments if not unit]
        total = 0
        for i in raters:
            for j in raters:
                for b1, e1, unit1 in continua[i] if i != j else []:
                    for b2, e2, unit2 in continua[j]:
                        if unit1 and unit2 and b1 < e2 and b2 < e1:
                            total += (b1 - b2) ** 2 + (e1 - e2) ** 2
                        elif unit1 and not unit2 and b2 <= b1 and e1 <= e2:
                            total += (e1 - b1) ** 2
                        elif unit2 and not unit1 and b1 <= b2 and e2 <= e1:
                            total += (e2 - b2) ** 2
        observed += total / (len(raters) * (len(raters) - 1))
    if lengths == 0:
        return math.nan, math.nan
    numerator = sum(
        (len(units) - 1) * (2 * n**3 - 3 * n**2 + n) / 3
        + n**2 * sum(g - n + 1 for g in gaps if g >= n)
        for n in units
    )
    denominator = positions * (positions - 1) - sum(n * (n - 1) for n in units)
    return observed / lengths**2, 2 / lengths * numerator / denominator


@pytest.mark.parametrize("seed", range(8))
def test_unitizing_study_equals_the_formulas_computed_naively(seed):
    sections = random_sections(seed, n_sections=4, most_raters=4)
    study = UnitizingStudy(sections)
    for category, computed in study.disagreements().items():
        expected = naive_disagreements(sections, category)
        assert computed == pytest.approx(expected, rel=1e-9), f"seed {seed}, category {category}"


@pytest.mark.parametrize("seed", range(5))
def test_unitizing_weights_equal_physically_repeated_sections(seed):
    sections = random_sections(seed)
    study = UnitizingStudy(sections)
    weights = np.random.default_rng(seed).integers(0, 4, size=len(sections))
    repeated = UnitizingStudy([s for s, w in zip(sections, weights, strict=True) for _ in range(w)])
    for category in [None, *study.categories]:
        expected = repeated.alpha(category=category)
        actual = study.alpha(weights, category=category)
        assert actual == pytest.approx(expected, rel=1e-9, nan_ok=True), f"category {category}"
    assert study.alpha(weights=np.ones(len(sections), dtype=int)) == pytest.approx(study.alpha())


def test_unitizing_study_of_one_section_equals_unitizing_alpha():
    section = random_sections(7, n_sections=1)[0]
    study = UnitizingStudy([section])
    for category in [None, "x", "y"]:
        assert study.alpha(category=category) == pytest.approx(
            unitizing_alpha(section.units, 0, section.length, category, section.raters), nan_ok=True
        )


def test_unitizing_study_leaves_out_sections_with_one_rater():
    sections = random_sections(3)
    lonely = UnitizingSection(50, [(0, 10, "a", "x"), (20, 30, "a", "y")], ["a"])
    assert UnitizingStudy([*sections, lonely]).alpha() == pytest.approx(
        UnitizingStudy(sections).alpha()
    )


def test_unitizing_study_with_same_raters_everywhere_follows_the_pooled_formula():
    # Two sections of two raters: D_o = Σ δ² / (m(m-1) (L1+L2)²), segments pooled for D_e.
    first = UnitizingSection(10, [(2, 5, "a", "x"), (2, 6, "b", "x")])
    second = UnitizingSection(10, [(0, 4, "a", "x")], ["a", "b"])
    observed, _ = UnitizingStudy([first, second]).disagreements()["x"]
    assert observed == pytest.approx((2 * 1 + 2 * 16) / (2 * 20**2)), (
        "δ² 1 and a 4-long unit in a gap"
    )


def test_unitizing_weights_must_fit_the_sections():
    study = UnitizingStudy(random_sections(1, n_sections=3))
    with pytest.raises(ValueError, match="multiplicities"):
        study.alpha(weights=[1, 1])


# span_prf


def test_span_prf_exact_match():
    reference = [(0, 5, "x"), (10, 15, "x"), (20, 25, "y")]
    candidate = [(0, 5, "x"), (10, 16, "x"), (20, 25, "z"), (0, 5, "x")]
    scores = span_prf(reference, candidate)
    assert (scores["tp_candidate"], scores["n_candidate"], scores["n_reference"]) == (1, 3, 3)
    assert scores["precision"] == pytest.approx(1 / 3), "one of three distinct candidates"
    assert scores["recall"] == pytest.approx(1 / 3), "one of three references"
    assert scores["f1"] == pytest.approx(1 / 3)


def test_span_prf_overlap_match_counts_each_side():
    reference = [(0, 10, "x"), (20, 30, "x"), (40, 50, "y")]
    # (5, 25) overlaps both x references; (10, 20) touches them and shares no code point;
    # (45, 46) overlaps the y reference; (40, 50, "x") has no x reference to overlap.
    candidate = [(5, 25, "x"), (10, 20, "x"), (45, 46, "y"), (40, 50, "x")]
    scores = span_prf(reference, candidate, match="overlap")
    assert (scores["tp_candidate"], scores["tp_reference"]) == (2, 3), scores
    assert scores["precision"] == pytest.approx(0.5), "two of four candidates overlap"
    assert scores["recall"] == pytest.approx(1.0), "every reference is overlapped"
    assert scores["f1"] == pytest.approx(2 / 3)


def test_span_prf_with_nothing_to_compare():
    nothing = span_prf([], [])
    assert [is_nan(nothing[key]) for key in ("precision", "recall", "f1")] == [True] * 3, nothing
    missed = span_prf([(0, 1, "x")], [])
    assert is_nan(missed["precision"]), "no candidate: precision undefined"
    assert (missed["recall"], missed["f1"]) == (0, 0), "a reference missed: recall and F1 are 0"
    invented = span_prf([], [(0, 1, "x")], match="overlap")
    assert is_nan(invented["recall"]), "no reference: recall undefined"
    assert (invented["precision"], invented["f1"]) == (0, 0), "precision and F1 are 0"
    with pytest.raises(ValueError, match="match"):
        span_prf([], [], match="fuzzy")
    with pytest.raises(ValueError, match="reversed"):
        span_prf([(5, 1, "x")], [])


# Coding building blocks


def test_nominal_coincidences_equal_krippendorff_alpha():
    units = list(zip(*KRIPPENDORFF_2011, strict=True))
    one = NominalCoincidences([units])
    assert one.alpha() == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011), rel=1e-12)
    split = NominalCoincidences([units[:5], units[5:], []])
    assert split.alpha() == pytest.approx(one.alpha(), rel=1e-12), "coincidences add over units"
    weights = np.array([2, 0, 3])
    repeated = [
        unit
        for section, w in zip([units[:5], units[5:], []], weights, strict=True)
        for unit in section * w
    ]
    assert split.alpha(weights) == pytest.approx(NominalCoincidences([repeated]).alpha(), rel=1e-12)
    assert is_nan(NominalCoincidences([[("a", N)]]).alpha()), "nothing pairable must be nan"


def test_nominal_coincidences_equal_the_package_krippendorff():
    datasets = {
        **PUBLISHED_RELIABILITY_DATA,
        **{f"random {seed}": random_reliability_data(seed) for seed in range(100)},
    }
    for number, (name, data) in enumerate(datasets.items()):
        matrix = as_matrix(data)
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        units = list(zip(*data, strict=True))
        by_value = NominalCoincidences([units]).alpha()
        assert by_value == pytest.approx(expected, rel=1e-12), f"{name}: {by_value} ≠ {expected}"
        # The same units cut into sections, as integer codes (-1 where a coder gave none).
        codes = np.where(np.isnan(matrix), -1, matrix).astype(np.int64)
        cuts = np.sort(np.random.default_rng(number).choice(codes.shape[1], 2, replace=False))
        sections = np.split(codes, cuts, axis=1)
        by_code = NominalCoincidences.from_codes(sections, int(codes.max()) + 1).alpha()
        assert by_code == pytest.approx(expected, rel=1e-12), f"{name}: {by_code} ≠ {expected}"


def test_pairwise_kappa_equals_cohen_kappa_over_shared_sections():
    sections = [
        {"ann": ["a", "b", "a", N], "bob": ["a", "b", "b", "a"], "cy": ["b", "b", "a", "a"]},
        {"bob": ["a", "a", "b"], "ann": ["a", "b", "b"]},  # listed in the other order
        {"cy": ["a", "b"], "dee": ["a", "a"]},
    ]
    kappas = PairwiseKappa(sections)
    ann = ["a", "b", "a", N, "a", "b", "b"]
    bob = ["a", "b", "b", "a", "a", "a", "b"]
    assert kappas.kappa(("bob", "ann")) == pytest.approx(cohen_kappa(ann, bob))
    assert set(map(frozenset, kappas.pairs)) == {
        frozenset(pair) for pair in [("ann", "bob"), ("ann", "cy"), ("bob", "cy"), ("cy", "dee")]
    }
    weights = np.array([2, 1, 0])
    assert kappas.kappa(("ann", "bob"), weights) == pytest.approx(
        cohen_kappa(ann[:4] * 2 + ann[4:], bob[:4] * 2 + bob[4:])
    )
    assert is_nan(kappas.kappa(("ann", "dee"))), "coders who never met must be nan"


# Bootstrap


def test_bootstrap_ci_is_reproducible_and_brackets_the_estimate():
    values = np.random.default_rng(1).normal(10, 2, size=200)

    def mean(weights):
        return float(weights @ values / weights.sum())

    low, high = bootstrap_ci(mean, len(values), n_resamples=500, seed=42)
    assert (low, high) == bootstrap_ci(mean, len(values), n_resamples=500, seed=42), "same seed"
    assert low < values.mean() < high, f"({low}, {high}) misses the mean {values.mean()}"
    assert high - low == pytest.approx(2 * 1.96 * values.std() / math.sqrt(200), rel=0.2)


def test_bootstrap_ci_of_unitizing_alpha():
    study = UnitizingStudy(random_sections(5, n_sections=20))
    low, high = bootstrap_ci(study.alpha, study.n_sections, n_resamples=200)
    assert low <= study.alpha() <= high, f"({low}, {high}) misses {study.alpha()}"


def test_bootstrap_ci_is_nan_when_the_statistic_mostly_is():
    assert all(map(is_nan, bootstrap_ci(lambda w: math.nan, 10, n_resamples=50)))
    assert all(map(is_nan, bootstrap_ci(lambda w: 1.0, 1))), "one section cannot be resampled"
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci(lambda w: 1.0, 10, confidence=95)


def test_bootstrap_ci_of_a_vector_statistic_gives_one_interval_per_entry():
    study = UnitizingStudy(random_sections(6, n_sections=20))
    low, high = bootstrap_ci(study.alphas, study.n_sections, n_resamples=100, seed=3)
    assert len(low) == len(high) == len(study.categories) + 1, "each category, then overall"
    overall = bootstrap_ci(study.alpha, study.n_sections, 100, seed=3)
    assert (low[-1], high[-1]) == pytest.approx(overall), "the last entry is the overall alpha"
    assert study.alphas()[0] == pytest.approx(study.alpha(category=study.categories[0]))


def test_building_blocks_from_integer_codes_equal_those_from_values():
    # Two documents, coders × tokens, 0 = no category, -1 = no value.
    first = np.array([[0, 1, 1, 2, 0], [0, 1, 2, 2, -1], [1, 1, 2, 2, 0]])
    second = np.array([[2, 2, 0], [2, 0, 0]])
    named = [
        [[None if v < 0 else v for v in unit] for unit in zip(*m.tolist(), strict=True)]
        for m in (first, second)
    ]
    from_codes = NominalCoincidences.from_codes([first, second], 3)
    assert from_codes.alpha() == pytest.approx(NominalCoincidences(named).alpha(), rel=1e-12)
    weights = np.array([1, 3])
    assert from_codes.alpha(weights) == pytest.approx(
        NominalCoincidences(named).alpha(weights), rel=1e-12
    )

    layers = [(["ann", "bob", "cy"], first), (["bob", "ann"], second)]
    coded = PairwiseKappa.from_codes(layers, 3)
    by_value = PairwiseKappa(
        [
            {c: [None if v < 0 else v for v in row] for c, row in zip(cs, m.tolist(), strict=True)}
            for cs, m in layers
        ]
    )
    for pair in [("ann", "bob"), ("bob", "cy"), ("ann", "cy")]:
        assert coded.kappa(pair, weights) == pytest.approx(by_value.kappa(pair, weights)), pair


def _overlap_count(spans, others):
    """The definition, one pair at a time: spans sharing a code point with a same-category other."""
    return sum(any(c == oc and b < oe and ob < e for ob, oe, oc in others) for b, e, c in spans)


def test_span_matches_per_category_equal_the_definition_on_random_layers():
    rng = np.random.default_rng(11)
    for _ in range(50):
        layers = []
        for _side in range(2):
            spans = set()
            for _n in range(rng.integers(0, 15)):
                begin = int(rng.integers(0, 200))
                spans.add(
                    (begin, begin + int(rng.integers(1, 30)), str(rng.choice(["a", "b", "c"])))
                )
            layers.append(spans)
        reference, candidate = layers
        counts = span_matches(reference, candidate)
        for category in {c for _, _, c in reference | candidate}:
            ref = {s for s in reference if s[2] == category}
            cand = {s for s in candidate if s[2] == category}
            assert counts[category] == {
                "tp_exact": len(ref & cand),
                "tp_candidate": _overlap_count(cand, ref),
                "tp_reference": _overlap_count(ref, cand),
                "n_candidate": len(cand),
                "n_reference": len(ref),
            }, f"category {category} of {sorted(reference)} vs {sorted(candidate)}"
        total = counts[None]
        assert total["tp_candidate"] == _overlap_count(candidate, reference)
        assert total["n_reference"] == len(reference)
