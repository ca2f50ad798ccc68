"""Reading UIMA CAS XMI, INCEpTION's and WebAnno's own export, through dkpro-cassis.

An XMI file is read with the type system it was written with (``TypeSystem.xml``, which
INCEpTION puts beside it in the ZIP of an export); without one it is refused. The text is
the initial view's sofa string.

Offsets. UIMA is Java: the ``begin`` and ``end`` of an annotation in XMI count UTF-16 code
units of the sofa string (the UIMA reference, 4.2.1, and WebAnno's guide say so). dkpro-cassis
converts them to code points when it loads a CAS (its ``Utf16CodepointOffsetConverter``) and
back when it writes one, so the offsets read here are code points already; the tests hold
this with an emoji before a span.

Spans. Named entities (``de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity``, category
its ``value``) and custom span layers (``webanno.custom.*``, category the feature named
``label`` or ``value``, else the first string feature, else the layer's short name). Their
other primitive features and their layer go into the attributes, with ``xmi_id``; custom
relation layers (a ``Governor`` and a ``Dependent``) are kept in the attributes of the spans
they join (``relations``), for when the product has relations. Everything else (tokens,
sentences, POS…) is linguistic preprocessing and is not read.

Safety. XMI is XML from the person importing: a file that declares a DOCTYPE or an entity
(an XML bomb, or a reference to a file on the server) is refused before it is parsed.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

from annotator.formats.reading import (
    UNIT_FROM_FORMAT,
    UNIT_IRRELEVANT,
    UTF16,
    CorpusLine,
    CorpusSpan,
    plural,
)
from annotator.text import has_astral

NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
CUSTOM_PREFIX = "webanno.custom."
ANNOTATION = "uima.tcas.Annotation"
_PRIMITIVES = (
    "uima.cas.String",
    "uima.cas.Boolean",
    "uima.cas.Integer",
    "uima.cas.Long",
    "uima.cas.Float",
    "uima.cas.Double",
    "uima.cas.Short",
    "uima.cas.Byte",
)
_UNSAFE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class XmiError(ValueError):
    """An XMI file (or its type system) that cannot be read; the message says why."""


def cassis_available() -> bool:
    """Whether dkpro-cassis can be imported."""
    try:
        import cassis  # noqa: F401
    except ImportError:
        return False
    return True


def _check(data: bytes, what: str) -> None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise XmiError(f"{what} is not UTF-8 XML.")
    if _UNSAFE.search(data):
        raise XmiError(
            f"{what} declares a DOCTYPE or an entity, which an XMI export never needs: "
            "refused unread (it could make the server read other files or run out of memory)."
        )


def read_xmi(xmi: bytes, typesystem: bytes, *, name: str) -> CorpusLine:
    """The document of an XMI file read with its type system, or why not (``error``)."""
    try:
        return _read(xmi, typesystem, name)
    except XmiError as error:
        return CorpusLine(0, xmi, error=str(error))


def _read(xmi: bytes, typesystem_data: bytes, name: str) -> CorpusLine:
    _check(xmi, name)
    _check(typesystem_data, "TypeSystem.xml")
    try:
        from cassis import load_cas_from_xmi, load_typesystem
    except ImportError:  # pragma: no cover - a main dependency
        raise XmiError("dkpro-cassis is not installed: pip install dkpro-cassis.") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            typesystem = load_typesystem(io.BytesIO(typesystem_data))
        except Exception as error:  # cassis raises lxml's, ValueError, TypeError…
            raise XmiError(f"TypeSystem.xml is not a UIMA type system ({error}).") from None
        try:
            cas = load_cas_from_xmi(io.BytesIO(xmi), typesystem=typesystem, lenient=True)
        except Exception as error:
            raise XmiError(f"{name} is not a UIMA CAS XMI file ({error}).") from None
    unmapped = [str(w.message) for w in caught if "Not mapping" in str(w.message)]
    if unmapped:
        raise XmiError(f"{name}: an offset falls inside a character or outside the text.")
    text = cas.sofa_string or ""
    if not text.strip():
        raise XmiError(f"{name}: its text (the sofa string) is empty.")
    spans: list[CorpusSpan] = []
    by_xmi: dict[int, list[int]] = {}
    counts: dict[str, int] = {}
    relation_types = []
    for kind in typesystem.get_types():
        if not typesystem.subsumes(ANNOTATION, kind.name):
            continue
        if kind.name != NAMED_ENTITY and not kind.name.startswith(CUSTOM_PREFIX):
            continue
        features = {feature.name: feature for feature in kind.all_features}
        if "Governor" in features and "Dependent" in features:
            relation_types.append(kind)
            continue
        label = _label_feature(kind)
        for annotation in cas.select(kind.name):
            if annotation.begin is None or annotation.end is None:
                continue
            if not 0 <= annotation.begin < annotation.end <= len(text):
                raise XmiError(
                    f"{name}: the {kind.name.rsplit('.', 1)[-1]} annotation "
                    f"{annotation.begin}-{annotation.end} is empty or outside the text."
                )
            value = annotation.get(label) if label else None
            attributes: dict[str, Any] = {"layer_type": kind.name, "xmi_id": annotation.xmiID}
            for feature in kind.all_features:
                if feature.name in (label, "begin", "end", "sofa") or feature.rangeType is None:
                    continue
                if feature.rangeType.name in _PRIMITIVES:
                    feature_value = annotation.get(feature.name)
                    if feature_value not in (None, ""):
                        attributes[feature.name] = feature_value
            short = kind.name.rsplit(".", 1)[-1]
            by_xmi.setdefault(annotation.xmiID, []).append(len(spans))
            spans.append(
                CorpusSpan(
                    annotation.begin,
                    annotation.end,
                    str(value).strip() if value not in (None, "") else short,
                    quote=text[annotation.begin : annotation.end],
                    attributes=attributes,
                )
            )
            counts[short] = counts.get(short, 0) + 1
    relations = 0
    for kind in relation_types:
        for relation in cas.select(kind.name):
            governor, dependent = relation.get("Governor"), relation.get("Dependent")
            if governor is None or dependent is None:
                continue
            record = {
                "layer_type": kind.name,
                "governor": governor.xmiID,
                "dependent": dependent.xmiID,
                **{
                    feature.name: relation.get(feature.name)
                    for feature in kind.all_features
                    if feature.rangeType is not None
                    and feature.rangeType.name in _PRIMITIVES
                    and feature.name not in ("begin", "end")
                    and relation.get(feature.name) not in (None, "")
                },
            }
            for index in {*by_xmi.get(governor.xmiID, []), *by_xmi.get(dependent.xmiID, [])}:
                spans[index].attributes.setdefault("relations", []).append(record)
                relations += 1
    notes = [
        f"{plural(len(spans), 'span')}"
        + (f" from {', '.join(f'{k} ({v})' for k, v in counts.items())}" if counts else "")
    ]
    if relations:
        notes.append(f"{plural(relations, 'relation')} kept in their spans' attributes")
    astral = has_astral(text)
    if astral and spans:
        notes.append("offsets counted in UTF-16 code units (UIMA's), converted by dkpro-cassis")
    return CorpusLine(
        number=0,
        raw=xmi,
        text=text,
        metadata={"language": cas.document_language}
        if cas.document_language and cas.document_language != "x-unspecified"
        else {},
        spans=tuple(sorted(spans, key=lambda span: (span.start, span.end))),
        offset_unit=UTF16 if spans else "",
        offset_unit_source=(UNIT_FROM_FORMAT if astral else UNIT_IRRELEVANT) if spans else "",
        notes=tuple(notes),
        extractor="uima-xmi (dkpro-cassis)",
        content_type="application/vnd.xmi+xml",
    )


def _label_feature(kind: Any) -> str:
    strings = [
        feature.name
        for feature in kind.all_features
        if feature.rangeType is not None and feature.rangeType.name == "uima.cas.String"
    ]
    for preferred in ("value", "label"):
        if preferred in strings:
            return preferred
    return strings[0] if strings else ""
