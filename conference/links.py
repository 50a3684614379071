"""Absolute links for mails and calendar files, built the same way in requests, the CLI and workers."""

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint, **values):
    adapter = current_app.url_map.bind("ting.invalid")
    return current_app.config["PUBLIC_BASE_URL"] + adapter.build(endpoint, values)


def safe_next(target, default="/"):
    """A path on this site to go to after an action; anything else becomes `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target
