"""Absolute links for mails and calendar files, built the same way in requests, the CLI and workers."""

from flask import current_app


def public_url(endpoint, **values):
    adapter = current_app.url_map.bind("ting.invalid")
    return current_app.config["PUBLIC_BASE_URL"] + adapter.build(endpoint, values)
