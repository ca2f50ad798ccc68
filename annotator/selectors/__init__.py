"""Reads, one module per domain (as in ``services`` and ``views``): what a user may see,
fetched with a number of queries that does not grow with rows.

Access itself (may this user see this project, this document?) is answered by
``annotator.access``; selectors take its answer and read what a page or endpoint shows.
"""
