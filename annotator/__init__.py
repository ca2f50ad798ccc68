"""annotator: annotate human-rights documents."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("annotator")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
