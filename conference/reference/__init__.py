"""Reference lists: sectors and municipalities, their seed data, and the demo loader."""
