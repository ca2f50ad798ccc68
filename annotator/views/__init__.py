"""HTML pages, one module per domain, as in ``services`` and ``selectors``: ``projects``,
``documents``, ``assignments``, ``annotations``, ``moderation``, ``agreement``,
``importing`` and ``exporting``.

Views are thin: they resolve the user's access (``annotator.access``), parse the request
with a form, ask a selector or a service, and render. ``NoAccess`` and ``Forbidden`` from
the access module become 404 and 403 by themselves.
"""
