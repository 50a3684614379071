"""Registrations: the public form, the personal manage link and the waiting list."""
