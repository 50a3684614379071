"""Participant lists: the consent-honouring query, exports, the public list and the API."""
