"""A live Ting server (the real app on a SQLite file, mail to a real SMTP server) and
Debian's Chromium driven by Playwright. Browser tests run on SQLite only."""

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import close_app, make_app, unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CATALOGUES = Path(__file__).resolve().parents[2] / "conference" / "translations"


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The pages are asserted in Swedish: a missing or stale .mo would fail confusingly later."""
    for po in CATALOGUES.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            pytest.fail(f"{mo} is missing or older than its .po: run `make translations` first", pytrace=False)


@pytest.fixture
def live_server(sqlite_template, tmp_path, smtp_server):
    """The real app served by werkzeug on 127.0.0.1 in a background thread."""
    database = tmp_path / "ting.db"
    shutil.copy(sqlite_template, database)
    app = make_app(f"sqlite:///{database}", smtp_server.port)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # Links in mails must lead back to this server.
    app.config["PUBLIC_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="ting-live-server", daemon=True)
    thread.start()
    yield LiveServer(url=url, app=app)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    close_app(app)


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole session; each test gets its own context."""
    if not CHROMIUM.exists():
        unavailable(f"Browser tests skipped: {CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        unavailable(f"Browser tests skipped: Playwright is not installed ({error})")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        playwright.stop()
        unavailable(f"Browser tests skipped: Chromium did not start ({str(error).splitlines()[0]})")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
