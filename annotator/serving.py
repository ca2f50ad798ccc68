"""What a serving process does once, before its first request (``wsgi.py``, ``asgi.py``)."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def prepare_to_serve() -> None:
    """Import every view and API module now, then take what the process holds out of the
    garbage collector's walks.

    Django imports the views at the first request. A full collection walks every object the
    process holds, about 150,000 once they are loaded: 100 ms or more on a small machine,
    taken in whichever request set it off, and one that creates many objects (an import of a
    thousand documents) sets it off every time. Frozen (``gc.freeze``), the modules, classes
    and schemas loaded here are never walked again; what requests create is collected as
    before. Under a server that loads the application before forking its workers (gunicorn
    ``--preload``), the frozen objects' memory also stays shared between the workers.
    """
    get_resolver().url_patterns  # noqa: B018  (loading the URLconf imports every view)
    gc.collect()
    gc.freeze()
