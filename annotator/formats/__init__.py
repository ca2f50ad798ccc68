"""Pure readers and writers of the file formats researchers exchange (no Django)."""
