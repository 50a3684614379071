"""Outgoing mail: the outbox, its delivery worker, and (later) follow-up mailings."""
