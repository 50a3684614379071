"""Settings from environment variables, with safe defaults for the embedded setup."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key():
    """SECRET_KEY from the environment, else one kept in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_environment():
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'ting.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    is_sqlite = database_url.startswith("sqlite")
    mail_server = os.environ.get("MAIL_SERVER") or None
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        # The outbox decides what is sent; Flask-Mail must never silently drop a message.
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Ting <noreply@ting.localhost>"),
        # On the embedded default the web process also delivers the outbox after each commit
        # (without MAIL_SERVER it only queues the mailings that are due, for organisers to
        # read in the outbox); production runs `flask mail deliver` workers instead.
        "MAIL_DELIVER_INLINE": _bool("MAIL_DELIVER_INLINE", is_sqlite),
        # How long a delivery worker's claim on a batch lasts: after that, a worker that died
        # is presumed dead and its messages are sent by another. Long enough for a whole
        # batch to time out message by message.
        "MAIL_CLAIM_LEASE_SECONDS": float(os.environ.get("MAIL_CLAIM_LEASE_SECONDS", "1800")),
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ("sv", "en"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "REGISTRATION_RATE_LIMIT": os.environ.get("REGISTRATION_RATE_LIMIT", "60 per minute"),
        # How many reverse proxies stand in front of the app: their X-Forwarded-For is then
        # trusted, so rate limits count visitors, not the proxy.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "WTF_CSRF_TIME_LIMIT": None,
        # Staff sessions end after this long, and after STAFF_IDLE_MINUTES without activity.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=float(os.environ.get("STAFF_SESSION_HOURS", "10"))),
        # A staff session ends a fixed time after sign-in (accounts/access.py checks it), so
        # the cookie need not be signed and sent again with every answer to extend it.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "STAFF_IDLE_MINUTES": float(os.environ.get("STAFF_IDLE_MINUTES", "60")),
        "CONSENT_WORDING_VERSION": os.environ.get("CONSENT_WORDING_VERSION", "2026-1"),
        # A folder with DejaVuSans.ttf and DejaVuSans-Bold.ttf for badges; Debian's fonts-dejavu-core by default.
        "BADGE_FONT_DIR": os.environ.get("BADGE_FONT_DIR") or None,
    }
