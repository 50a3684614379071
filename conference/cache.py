"""Rendered pages, kept per process and per app. Each key holds the versions of what the
page shows (an event's `updated_at` and `programme_version`, which every change bumps in the
database), so a change shows at once in every process without telling them."""

import threading
from collections import OrderedDict

from flask import current_app

MAX_ENTRIES = 256


class RenderCache:
    def __init__(self):
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, render):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = render()
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return value


def cached(key, render):
    """The value for `key`, rendering it with `render()` when this app does not keep it yet."""
    cache = current_app.extensions.setdefault("ting_render_cache", RenderCache())
    return cache.get(key, render)
