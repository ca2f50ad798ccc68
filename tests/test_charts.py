"""The geometry of the server-drawn charts."""

from annotator.charts import bar_chart, heat_map


def test_bars_start_at_zero_and_undefined_values_get_no_bar():
    chart = bar_chart([("good", 0.9), ("bad", -0.5), ("none", None)])
    good, bad, none = chart.bars
    assert good.x == chart.zero_x, "a positive bar starts at zero"
    assert bad.x + bad.width == chart.zero_x, "a negative bar ends at zero"
    assert none.width == 0
    assert none.text == "undefined"
    assert (good.text, bad.text) == ("0.900", "-0.500")
    assert chart.plot_left < chart.zero_x < chart.plot_left + chart.plot_width
    tentative, reliable = chart.guides
    assert tentative.x < reliable.x
    assert (tentative.label, reliable.label) == ("0.667", "0.800")


def test_axis_starts_at_zero_without_negative_values():
    chart = bar_chart([("one", 1.0), ("half", 0.5)])
    assert chart.zero_x == chart.plot_left
    assert chart.bars[0].width == chart.plot_width


def test_heat_map_is_symmetric_with_numbers_and_dashes():
    names = {1: "ana", 2: "ben", 3: "cy"}
    chart = heat_map([1, 2, 3], {(1, 2): 0.9, (2, 3): None}, names=names)
    cells = {(cell.x, cell.y): cell for cell in chart.cells}
    assert len(cells) == 6, "every ordered pair of different reviewers, no diagonal"
    at = chart.offset
    assert cells[(at + chart.size, at)].text == cells[(at, at + chart.size)].text == "0.90"
    assert cells[(at + 2 * chart.size, at)].text == "–", "ana and cy share no document"
    dark = cells[(at + chart.size, at)]
    assert dark.ink == "#fff", "light text on a dark cell stays readable"
    assert dark.title == "ana and ben: 0.900"
