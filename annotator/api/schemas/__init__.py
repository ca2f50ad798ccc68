"""The JSON API's schemas, what goes in and what comes out, one module per domain as the
routers are: base (what every operation shares), annotations, moderation, importing,
exporting, projects, documents, assignments, agreement, relations, incidents."""
