"""Absolute links for mails and calendar files, built the same way in requests, the CLI and workers."""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter


def public_url(endpoint, **values):
    adapter = current_app.url_map.bind("ting.invalid")
    return current_app.config["PUBLIC_BASE_URL"] + adapter.build(endpoint, values)


def safe_next(target, default="/"):
    """A path on this site to go to after an action; anything else becomes `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: a whole number a database id can be, else 404 (not an overflow)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **kwargs)
        self.max = MAX_ID


def id_arg(args, name):
    """A query argument that should be a row id: the number, or None for anything else."""
    value = args.get(name, "")
    return int(value) if value.isdecimal() and len(value) < 10 and int(value) <= MAX_ID else None
