"""Label Studio's JSON and JSON-MIN exports, built from its documented shape (labelstud.io's
export guide): tasks, annotators' layers, quotes deciding the offsets' unit."""

from __future__ import annotations

import pytest

from annotator.formats.labelstudio import (
    LabelStudioError,
    label_studio_shape,
    read_label_studio,
)

# An emoji and CJK Extension B (two UTF-16 units each), Uyghur (right to left).
TEXT = "💩 Police detained Tursun 𠀋 in Ghulja. ئۇ لاگېرغا ئېلىپ كېتىلدى."


def at(quote: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def utf16_at(quote: str, text: str = TEXT) -> tuple[int, int]:
    start, end = at(quote, text)
    return (
        len(text[:start].encode("utf-16-le")) // 2,
        len(text[:end].encode("utf-16-le")) // 2,
    )


def region(region_id: str, quote: str, *labels: str, offsets=None, text: str = TEXT) -> dict:
    start, end = offsets or at(quote, text)
    return {
        "id": region_id,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": quote, "labels": list(labels)},
    }


def task(**changes) -> dict:
    base = {
        "id": 17,
        "data": {"text": TEXT, "title": "Testimony 17"},
        "annotations": [
            {
                "id": 101,
                "completed_by": 3,
                "created_at": "2024-05-01T10:00:00.000000Z",
                "result": [
                    region("r1", "detained", "detention"),
                    region("r2", "Police detained Tursun", "detention"),  # overlaps r1
                    region("r3", "لاگېرغا", "place"),
                    {
                        "id": "r1",
                        "from_name": "note",
                        "to_name": "text",
                        "type": "textarea",
                        "value": {"start": 9, "end": 17, "text": ["said twice"]},
                    },
                    {"type": "relation", "from_id": "r1", "to_id": "r3", "direction": "right"},
                    {
                        "id": "c1",
                        "from_name": "kind",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": ["testimony"]},
                    },
                ],
            },
            {
                "id": 102,
                "completed_by": {"id": 4, "email": "second@example.org"},
                "result": [region("r9", "Tursun 𠀋", "person", "victim")],
            },
            {"id": 103, "completed_by": 5, "was_cancelled": True, "result": []},
        ],
        "predictions": [
            {"model_version": "ner-v2", "score": 0.8, "result": [region("p1", "Ghulja", "place")]}
        ],
    }
    base.update(changes)
    return base


def test_shapes_are_recognised_by_content():
    assert label_studio_shape([task()]) == "json"
    assert label_studio_shape([{"text": TEXT, "label": [region("x", "Ghulja", "p")["value"]]}]) == (
        "json-min"
    )
    for other in ([], {"data": {}}, [{"text": "no spans"}], [{"data": {}}], [1, 2]):
        assert label_studio_shape(other) == "", other
    with pytest.raises(LabelStudioError):
        list(read_label_studio([{"text": "no spans"}]))


def test_each_annotator_and_model_is_a_layer_with_exact_spans():
    (line,) = read_label_studio([task()])
    assert line.error == ""
    assert line.text == TEXT
    assert line.place == "task 1 (id 17)"
    layers = {(span.layer, span.category, span.quote) for span in line.spans}
    assert layers == {
        ("annotator 3", "detention", "detained"),
        ("annotator 3", "detention", "Police detained Tursun"),
        ("annotator 3", "place", "لاگېرغا"),
        ("annotator 4", "person", "Tursun 𠀋"),
        ("annotator 4", "victim", "Tursun 𠀋"),
        ("prediction ner-v2", "place", "Ghulja"),
    }
    for span in line.spans:
        assert TEXT[span.start : span.end] == span.quote
    assert line.metadata == {"title": "Testimony 17", "source_id": 17}
    assert line.offset_unit == "code-points"
    assert "1 cancelled annotation left out" in line.notes
    assert "1 result of other types (choices, ratings…) not imported" in line.notes


def test_per_region_text_and_relations_come_with_their_spans():
    (line,) = read_label_studio([task()])
    detained = next(span for span in line.spans if span.quote == "detained")
    assert detained.note == "said twice"
    assert detained.attributes["relations"] == [
        {"from_id": "r1", "to_id": "r3", "direction": "right"}
    ]
    assert detained.attributes["region_id"] == "r1"
    assert detained.attributes["annotation_created_at"] == "2024-05-01T10:00:00.000000Z"
    place = next(span for span in line.spans if span.quote == "Ghulja")
    assert place.attributes["score"] == 0.8


def test_offsets_counted_in_utf16_units_by_an_older_editor_are_found_by_their_quotes():
    result = [
        region("u1", "detained", "detention", offsets=utf16_at("detained")),
        region("u2", "Ghulja", "place", offsets=utf16_at("Ghulja")),
        region("u3", "لاگېرغا", "place", offsets=utf16_at("لاگېرغا")),
    ]
    (line,) = read_label_studio(
        [task(annotations=[{"id": 1, "completed_by": 3, "result": result}], predictions=[])]
    )
    assert line.error == ""
    assert [span.quote for span in line.spans] == ["detained", "Ghulja", "لاگېرغا"]
    assert [(span.start, span.end) for span in line.spans] == [
        at("detained"),
        at("Ghulja"),
        at("لاگېرغا"),
    ]
    assert line.offset_unit == "utf-16"
    assert "offsets counted in UTF-16 code units (the spans' quotes)" in line.notes


def test_json_min_rows_are_read_with_their_annotator_numbered_not_named():
    rows = [
        {
            "id": 5,
            "text": TEXT,
            "label": [region("a", "detained", "detention")["value"]],
            "annotator": "first@example.org",
            "annotation_id": 9,
            "lead_time": 3.2,
        },
        {
            "id": 6,
            "text": TEXT,
            "label": [region("b", "Ghulja", "place")["value"]],
            "annotator": "second@example.org",
        },
    ]
    lines = list(read_label_studio(rows))
    assert [line.error for line in lines] == ["", ""]
    assert [span.layer for line in lines for span in line.spans] == ["annotator 1", "annotator 2"]
    assert lines[0].spans[0].attributes["annotator"] == "first@example.org"
    assert lines[0].metadata == {"source_id": 5}


def test_a_task_without_text_or_with_a_wrong_quote_is_refused_by_name():
    broken = [
        task(data={"number": 3}),
        task(
            id=18,
            annotations=[
                {
                    "id": 1,
                    "completed_by": 3,
                    "result": [region("x", "Gulja", "place", offsets=(0, 5))],
                }
            ],
        ),
        task(id=19),
    ]
    lines = list(read_label_studio(broken))
    assert lines[0].error.startswith("Task 1 (id 17): it has no text"), lines[0].error
    assert lines[1].error.startswith("Task 2 (id 18): the region 0-5 (place) (0-5) quotes 'Gulja'")
    assert "nowhere in the text" in lines[1].error
    assert lines[2].error == ""


def test_regions_without_text_need_the_unit_when_the_text_has_astral_characters():
    quoteless = region("q", "Ghulja", "place", offsets=utf16_at("Ghulja"))
    del quoteless["value"]["text"]
    tasks = [
        task(annotations=[{"id": 1, "completed_by": 3, "result": [quoteless]}], predictions=[])
    ]
    (refused,) = read_label_studio(tasks)
    assert "say whether the offsets count code points or UTF-16 units" in refused.error
    (told,) = read_label_studio(tasks, offset_unit="utf-16")
    assert told.error == ""
    assert TEXT[told.spans[0].start : told.spans[0].end] == "Ghulja"
    assert told.spans[0].quote is None
