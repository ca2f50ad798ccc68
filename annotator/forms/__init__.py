"""The forms, crispy-forms for every one, one module per domain as in the other layers:
base (what they share), accounts, documents, moderation (and agreement), projects."""
