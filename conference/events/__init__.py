"""Forum series, events and the public event pages."""
