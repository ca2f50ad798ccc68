"""Reading W3C Web Annotations (JSON-LD): collections, pages, lists of annotations.

What is read (https://www.w3.org/TR/annotation-model/): an ``AnnotationCollection`` (its
embedded ``first`` page and the pages it links by ``next`` when they are embedded too), an
``AnnotationPage`` (``items``), a list of annotations, or one ``Annotation``. This product's
own export (``annotator.formats.w3c``) is such a collection.

Each annotation's target is a ``SpecificResource``: its ``source`` (an IRI, or an object
with an ``id``) names the document, its selectors place the span:

- ``TextPositionSelector``: ``start`` and ``end``, in characters, which the model defines as
  Unicode code points (section 4.2.5);
- ``TextQuoteSelector``: ``exact``, with ``prefix`` and ``suffix``. It decides: a span whose
  position does not hold its ``exact`` is found again by it (and its context), and the report
  says how many were re-anchored (``reading.anchor``); one with a quote and no position is
  placed by the quote alone.

Bodies: the ``tagging`` body (or the first textual one) is the category; ``commenting`` the
note; ``classifying`` and ``describing`` bodies written ``key: value`` (this product's
evidence attributes and provenance) go back into the attributes; ``creator``, ``created``
and ``modified`` too.

Linking annotations (``motivation: linking`` whose targets are other annotations, not
places in a text: this product's export writes one per relation between two spans) are
passed over: relations are not imported yet, and the spans they link are.

The text. Web Annotations point at a text, they do not hold it (this product's export gives
the document's IRI, ``urn:annotator:<project>:document:<id>``). A ``source`` that embeds its
text (``value``) brings it; otherwise the importer matches the source to a document already
in the project (``W3CTarget``) or refuses its annotations with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from annotator.formats.reading import SourceSpan

DESCRIBED_KEYS = ("evidence_status", "source_type", "origin", "proposed_by", "decided_by")


class W3CError(ValueError):
    """A file that is not Web Annotation JSON-LD; the message says why."""


@dataclass
class W3CTarget:
    """The annotations of one document (one target ``source``)."""

    source: str
    number: int
    """The first annotation's number in the file, for the report."""
    text: str | None = None
    language: str = ""
    direction: str = ""
    spans: list[SourceSpan] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def is_w3c(value: Any) -> bool:
    """Whether parsed JSON is Web Annotation: a collection, page, annotation or a list of
    annotations."""
    if isinstance(value, list):
        return bool(value) and all(_is_annotation(item) for item in value)
    if isinstance(value, dict):
        kinds = _types(value)
        return bool(kinds & {"AnnotationCollection", "AnnotationPage"}) or _is_annotation(value)
    return False


def _types(value: dict[str, Any]) -> set[str]:
    kind = value.get("type", value.get("@type"))
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for k in kinds if k}


def _is_annotation(value: Any) -> bool:
    return isinstance(value, dict) and "Annotation" in _types(value)


def annotations_of(value: Any) -> Iterator[dict[str, Any]]:
    """The annotations of a collection, page, list or single annotation, in order."""
    if isinstance(value, list):
        yield from value
        return
    kinds = _types(value)
    if "AnnotationCollection" in kinds:
        page = value.get("first")
        seen = 0
        while isinstance(page, dict) and seen < 10_000:
            yield from page.get("items") or []
            page = page.get("next")
            seen += 1
    elif "AnnotationPage" in kinds:
        yield from value.get("items") or []
    else:
        yield value


def read_w3c(value: Any) -> list[W3CTarget]:
    """The annotations of a parsed Web Annotation file, grouped by their target's source, in
    order of first appearance. An annotation that cannot be read is an error of its target
    (or of a target of its own, ``source`` "", when it has none)."""
    if not is_w3c(value):
        raise W3CError(
            "It is not W3C Web Annotation JSON-LD (an AnnotationCollection, an "
            "AnnotationPage, an Annotation or a list of them)."
        )
    targets: dict[str, W3CTarget] = {}
    for number, annotation in enumerate(annotations_of(value), start=1):
        if _is_link(annotation):
            continue
        where = f"annotation {number}"
        if isinstance(annotation, dict) and annotation.get("id"):
            where += f" ({annotation['id']})"
        try:
            source, resource, span = _annotation(annotation, where)
        except W3CError as error:
            targets.setdefault("", W3CTarget("", number)).errors.append(
                f"{where[:1].upper()}{where[1:]}: {error}"
            )
            continue
        if source not in targets:
            targets[source] = W3CTarget(source, number)
        target = targets[source]
        if isinstance(resource, dict):
            text = resource.get("value", resource.get("chars"))
            if isinstance(text, str) and target.text is None:
                target.text = text
            target.language = target.language or str(resource.get("language") or "")
            target.direction = target.direction or str(resource.get("textDirection") or "")
        target.spans.append(span)
    return list(targets.values())


def _is_link(annotation: Any) -> bool:
    """Whether ``annotation`` links other annotations (a relation) rather than marking text:
    motivated by linking, with no target that selects a place in a text."""
    if not _is_annotation(annotation):
        return False
    motivation = annotation.get("motivation")
    if "linking" not in (motivation if isinstance(motivation, list) else [motivation]):
        return False
    targets = annotation.get("target")
    targets = targets if isinstance(targets, list) else [targets]
    return not any(isinstance(target, dict) and "selector" in target for target in targets)


def _annotation(annotation: Any, where: str) -> tuple[str, Any, SourceSpan]:
    if not _is_annotation(annotation):
        raise W3CError("it is not an Annotation.")
    target = annotation.get("target")
    if isinstance(target, list):
        target = next((t for t in target if isinstance(t, dict) and "selector" in t), None)
    if not isinstance(target, dict):
        raise W3CError("its target has no selector: it marks a whole resource, not a span.")
    resource = target.get("source")
    source = resource.get("id", resource.get("@id")) if isinstance(resource, dict) else resource
    if not isinstance(source, str) or not source:
        raise W3CError("its target names no source.")
    selectors = target.get("selector")
    selectors = selectors if isinstance(selectors, list) else [selectors]
    start = end = None
    exact: str | None = None
    prefix = suffix = ""
    for selector in selectors:
        if not isinstance(selector, dict):
            continue
        kinds = _types(selector)
        if "TextPositionSelector" in kinds:
            start, end = selector.get("start"), selector.get("end")
            for offset in (start, end):
                if isinstance(offset, bool) or not isinstance(offset, int):
                    raise W3CError(f"its TextPositionSelector has an offset {offset!r}.")
        elif "TextQuoteSelector" in kinds:
            exact = selector.get("exact")
            if not isinstance(exact, str) or not exact:
                raise W3CError("its TextQuoteSelector has no exact text.")
            prefix = str(selector.get("prefix") or "")
            suffix = str(selector.get("suffix") or "")
    if start is None and exact is None:
        raise W3CError("it has neither a TextPositionSelector nor a TextQuoteSelector.")
    category, note, attributes = _bodies(annotation.get("body"))
    if not category:
        raise W3CError("it has no tag (a textual body) to be its category.")
    for key in ("created", "modified"):
        if isinstance(annotation.get(key), str):
            attributes[key] = annotation[key]
    creator = annotation.get("creator")
    if isinstance(creator, dict) and creator.get("name"):
        attributes["creator"] = str(creator["name"])
    elif isinstance(creator, str):
        attributes["creator"] = creator
    if annotation.get("id"):
        attributes["annotation_id"] = str(annotation["id"])
    return (
        source,
        resource,
        SourceSpan(
            start,
            end,
            category,
            quote=exact,
            prefix=prefix,
            suffix=suffix,
            note=note,
            attributes=attributes,
            label=where,
        ),
    )


def _bodies(body: Any) -> tuple[str, str, dict[str, Any]]:
    bodies = body if isinstance(body, list) else [body] if body is not None else []
    category = note = ""
    attributes: dict[str, Any] = {}
    first = ""
    for item in bodies:
        if isinstance(item, str):  # an IRI body: a tag by IRI
            first = first or item.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            continue
        if not isinstance(item, dict):
            continue
        value = item.get("value")
        if not isinstance(value, str):
            continue
        purpose = item.get("purpose")
        if purpose == "tagging" and not category:
            category = value.strip()
        elif purpose == "commenting":
            note = f"{note}\n{value}" if note else value
        elif purpose in ("classifying", "describing") and ": " in value:
            key, _, rest = value.partition(": ")
            if key in DESCRIBED_KEYS:
                attributes[key] = rest.split("; ") if key == "proposed_by" else rest
            else:
                attributes.setdefault("descriptions", []).append(value)
        elif purpose == "describing":
            attributes.setdefault("descriptions", []).append(value)
        else:
            first = first or value.strip()
    return category or first, note, attributes
