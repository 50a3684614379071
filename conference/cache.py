"""Rendered pages, kept per process and per app. Each key holds the versions of what the
page shows (an event's `updated_at` and `programme_version`, which every change bumps in the
database), so a change shows at once in every process without telling them."""

import threading
import time
from collections import OrderedDict

from flask import current_app
from flask_wtf.csrf import generate_csrf

MAX_ENTRIES = 256
# Stands for the visitor's CSRF token in a cached page, which is the same for everyone else.
CSRF_HOLE = "\x00csrf-token\x00"


class RenderCache:
    def __init__(self):
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, render, max_age=None):
        now = time.monotonic()
        with self.lock:
            if key in self.entries:
                value, expires = self.entries[key]
                if expires is None or now < expires:
                    self.entries.move_to_end(key)
                    return value
        value = render()
        with self.lock:
            self.entries[key] = (value, None if max_age is None else now + max_age)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return value


def cached(key, render, max_age=None):
    """The value for `key`, rendering it with `render()` when this app does not keep it yet,
    or kept it longer than `max_age` seconds."""
    cache = current_app.extensions.setdefault("ting_render_cache", RenderCache())
    return cache.get(key, render, max_age)


def without_csrf(page):
    """`page`, rendered in this request, with its CSRF tokens taken out for caching."""
    return page.replace(generate_csrf(), CSRF_HOLE)


def with_csrf(page):
    """A cached `page` with this visitor's CSRF token put in."""
    return page.replace(CSRF_HOLE, generate_csrf())
