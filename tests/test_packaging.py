"""What the package declares: an install with any pip gets everything the product imports."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def declared(group: str | None = None) -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    requirements = (
        project["dependencies"] if group is None else project["optional-dependencies"][group]
    )
    names = {re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0] for requirement in requirements}
    return {name.lower().replace("-", "_") for name in names}


def test_the_html_cleaner_trafilatura_needs_is_a_direct_dependency():
    # trafilatura asks for lxml[html_clean]; pip 23 (Python 3.11's own) skipped that extra
    # and the HTML importer then failed at import time.
    assert "lxml_html_clean" in declared()
    importlib.import_module("lxml_html_clean")
    importlib.import_module("trafilatura")


def test_the_browser_tests_accessibility_checker_is_a_development_dependency():
    assert "axe_playwright_python" in declared("dev")
