"""The world the tests need: a migrated database (SQLite and a real PostgreSQL server),
a real SMTP server, and the app wired to both."""

import os
import shutil
import uuid

import flask_migrate
import pytest

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")

from conference import create_app
from conference.extensions import db
from conference.reference.seed import seed_reference_data
from tests.support.postgres import PostgresServer, PostgresUnavailable, free_port
from tests.support.smtp import SmtpServer

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason):
    """Skip on a laptop that lacks a part; under CI every test must run, so fail."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run, not be skipped)", pytrace=False)
    pytest.skip(reason)


def migrate_database(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_DELIVER_INLINE": False})
    with app.app_context():
        flask_migrate.upgrade()
        seed_reference_data()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server():
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        unavailable(f"PostgreSQL tests skipped: {error}")
    server.execute("CREATE DATABASE ting_template")
    migrate_database(server.url("ting_template"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "ting.db"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A fresh, migrated database for each test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "ting.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"test_{uuid.uuid4().hex[:16]}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE ting_template")
    yield server.url(name)
    server.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def inbox(smtp_server):
    return smtp_server.inbox


def make_app(database_url, smtp_port, **overrides):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_port,
            "MAIL_DELIVER_INLINE": True,
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://ting.test",
        }
        | overrides
    )


def close_app(app):
    inline = app.extensions.get("ting_inline_delivery")
    if inline is not None:
        inline.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(database_url, smtp_server):
    app = make_app(database_url, smtp_server.port)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()
