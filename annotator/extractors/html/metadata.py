"""Metadata a page declares: title, author, description, date, canonical URL, publisher,
language and direction."""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import lxml.html

MAX_URL_LENGTH = 2000
MAX_LANGUAGE_LENGTH = 35
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
# A host name as Django's URL validator accepts it: labels of letters, digits and inner
# hyphens, and a top-level domain of letters (or an IDNA one).
_HOST_NAME = re.compile(
    r"^(?:[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]+)\.?$"
)


def page_title(root: lxml.html.HtmlElement, document: Any) -> str | None:
    """Trafilatura's title of the page, else its ``<title>``, whitespace collapsed."""
    title = getattr(document, "title", None)
    if not title:
        title = " ".join(root.findtext(".//title", default="").split())
    return title or None


def page_metadata(root: lxml.html.HtmlElement, document: Any) -> dict[str, Any]:
    """The metadata ``extract_html`` names, each where the page declares it."""
    metadata: dict[str, Any] = {}
    title = page_title(root, document)
    if title:
        metadata["title"] = title
    for name in ("author", "description"):
        value = getattr(document, name, None)
        if value:
            metadata[name] = value
    published_on = _iso_date(getattr(document, "date", None))
    if published_on:
        metadata["published_on"] = published_on
    source_url = _canonical_url(root)
    if source_url:
        metadata["source_url"] = source_url
    publisher = getattr(document, "sitename", None)
    if publisher:
        metadata["publisher"] = publisher
    language = _language(root)
    if language:
        metadata["language"] = language
    direction = _direction(root)
    if direction:
        metadata["direction"] = direction
    return metadata


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _canonical_url(root: lxml.html.HtmlElement) -> str | None:
    candidates = [
        link.get("href", "")
        for link in root.iter("link")
        if "canonical" in link.get("rel", "").lower().split()
    ]
    candidates += [
        meta.get("content", "") for meta in root.iter("meta") if meta.get("property") == "og:url"
    ]
    for candidate in candidates:
        url = candidate.strip()
        if _is_web_url(url):
            return url
    return None


def _is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL that the document's URL field accepts."""
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        hostname = parts.hostname or ""
        _ = parts.port  # a malformed port raises ValueError
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        return False
    if hostname == "localhost" or _HOST_NAME.match(hostname):
        return True
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def _language(root: lxml.html.HtmlElement) -> str | None:
    body = root.find("body")
    candidates = [
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        root.get("xml:lang"),
        body.get("lang") if body is not None else None,
    ]
    candidates += [
        meta.get("content", "").split(",")[0]
        for meta in root.iter("meta")
        if meta.get("http-equiv", "").lower() == "content-language"
    ]
    for candidate in candidates:
        language = (candidate or "").strip().replace("_", "-")
        if _LANGUAGE_TAG.match(language) and len(language) <= MAX_LANGUAGE_LENGTH:
            return language
    return None


def _direction(root: lxml.html.HtmlElement) -> str | None:
    body = root.find("body")
    for element in (root, body):
        if element is not None:
            direction = element.get("dir", "").strip().lower()
            if direction in ("rtl", "ltr"):
                return direction
    return None
