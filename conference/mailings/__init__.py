"""Outgoing mail: the outbox and its delivery worker, and follow-up mailings (compose, audience, send, track, unsubscribe)."""
