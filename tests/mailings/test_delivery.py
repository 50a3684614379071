"""A mailing's delivery by `flask mail deliver` workers: over a reused SMTP connection,
retried on a temporary refusal, never twice with two workers, and nothing lost when a worker
is killed in the middle."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from conference.database import utcnow
from conference.extensions import db
from conference.mailings import services
from conference.mailings.models import MessageKind, OutboxMessage, OutboxStatus
from conference.mailings.outbox import deliver_due, retry_delay
from tests.conftest import close_app, make_app
from tests.support.factories import create_event
from tests.support.mailings import bulk_registrations, mailing_messages, wait_until
from tests.support.staff import make_staff

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_app(database_url, smtp_server):
    """The app without the in-process delivery: only the workers of the test deliver."""
    app = make_app(database_url, smtp_server.port, MAIL_DELIVER_INLINE=False)
    yield app
    close_app(app)


def start_mailing(app, count):
    """A follow-up mailing to `count` attendees, sent now: the next delivery run queues it."""
    create_event(app)
    event_id = bulk_registrations(app, "tinget", count)
    make_staff(app, "organiser")
    from conference.accounts.models import User

    with app.app_context():
        user = db.session.scalars(db.select(User)).one()
        texts = {"subject_sv": "Tack {first_name}", "body_sv": "Hej {name}!", "subject_en": "Thanks", "body_en": "Hi!"}
        mailing_id = services.save_mailing(
            event_id=event_id, fields={"kind": "follow_up", "audience": {}} | texts, user=user
        )
        services.send(mailing_id=mailing_id, user=user)
        return mailing_id


def mailing_rows(app):
    with app.app_context():
        return db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.MAILING).order_by(OutboxMessage.id)
        ).all()


def start_worker(database_url, smtp_port, **environment):
    env = (
        os.environ
        | {
            "DATABASE_URL": database_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "MAIL_DELIVER_INLINE": "false",
            "PUBLIC_BASE_URL": "http://ting.test",
            "FLASK_APP": "app.py",
        }
        | environment
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "mail", "deliver"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(worker, timeout=240):
    out, err = worker.communicate(timeout=timeout)
    assert worker.returncode == 0, err
    return out


def test_a_mailing_goes_over_one_connection_and_a_temporary_refusal_is_retried(worker_app, smtp_server):
    inbox = smtp_server.inbox
    inbox.defer_first = 2  # the relay answers 451 to the first two tries
    start_mailing(worker_app, 5)
    with worker_app.app_context():
        report = deliver_due()
    assert (report.sent, report.retrying, report.failed) == (3, 2, 0)
    assert len(inbox.peers) == 1  # one connection for the whole mailing, kept after the refusals
    deferred = [row for row in mailing_rows(worker_app) if row.status == OutboxStatus.QUEUED]
    assert len(deferred) == 2 and all("451" in row.last_error and row.attempts == 1 for row in deferred)

    with worker_app.app_context():
        assert deliver_due().sent == 0  # still backing off
        assert deliver_due(now=utcnow() + retry_delay(1)).sent == 2
    received = mailing_messages(inbox, 5)
    assert sorted(message["Message-ID"] for message in received) == sorted(
        row.message_id for row in mailing_rows(worker_app)
    )
    assert all(row.status == OutboxStatus.SENT for row in mailing_rows(worker_app))
    assert sorted(row.attempts for row in mailing_rows(worker_app)) == [1, 1, 1, 2, 2]


def test_a_permanent_refusal_fails_that_recipient_alone_with_its_error(worker_app, smtp_server):
    smtp_server.inbox.refuse["reader2@example.se"] = "550 5.1.1 No such user"
    start_mailing(worker_app, 4)
    with worker_app.app_context():
        report = deliver_due()
    assert (report.sent, report.retrying, report.failed) == (3, 0, 1)
    by_recipient = {row.recipient: row for row in mailing_rows(worker_app)}
    assert by_recipient["reader2@example.se"].status == OutboxStatus.FAILED
    assert "550 5.1.1 No such user" in by_recipient["reader2@example.se"].last_error
    assert {message["To"] for message in mailing_messages(smtp_server.inbox, 3)} == {
        "reader0@example.se",
        "reader1@example.se",
        "reader3@example.se",
    }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_on_postgresql_deliver_a_thousand_messages_none_missing_none_twice(
    worker_app, database_url, smtp_server
):
    count = 1000
    smtp_server.inbox.delay = 0.003  # slow enough that both workers take part
    start_mailing(worker_app, count)
    workers = [start_worker(database_url, smtp_server.port) for _ in range(2)]
    outputs = [finish(worker) for worker in workers]

    received = mailing_messages(smtp_server.inbox, count)
    time.sleep(0.5)  # a message sent twice would arrive now
    received = mailing_messages(smtp_server.inbox, count)
    rows = mailing_rows(worker_app)
    assert len(rows) == count
    assert Counter(message["Message-ID"] for message in received) == Counter(row.message_id for row in rows)
    assert all(row.status == OutboxStatus.SENT and row.attempts == 1 for row in rows)
    sent = [int(output.split()[1].rstrip(",")) for output in outputs]
    assert sum(sent) == count and all(sent), outputs


def test_a_worker_killed_in_the_middle_loses_nothing_and_sends_at_most_one_twice(worker_app, database_url, smtp_server):
    count = 500
    inbox = smtp_server.inbox
    inbox.delay = 0.01  # 5 s for the whole mailing: the kill lands in the middle
    start_mailing(worker_app, count)
    lease = {"MAIL_CLAIM_LEASE_SECONDS": "2"}
    first = start_worker(database_url, smtp_server.port, **lease)
    assert wait_until(lambda: len(inbox.messages) >= 100, timeout=120), first.stderr.read() if first.poll() else ""
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = len(inbox.messages)
    assert killed_at < count, "the worker finished before it was killed"

    time.sleep(2.5)  # the dead worker's claim expires
    finish(start_worker(database_url, smtp_server.port, **lease))

    received = mailing_messages(inbox, count)
    rows = mailing_rows(worker_app)
    copies = Counter(message["Message-ID"] for message in received)
    assert set(copies) == {row.message_id for row in rows}  # none lost
    twice = [message_id for message_id, copies_of in copies.items() if copies_of > 1]
    assert len(twice) <= 1 and max(copies.values()) <= 2
    assert all(row.status == OutboxStatus.SENT for row in rows)
    # The message in flight when the worker died shows its second attempt.
    retried = {row.message_id for row in rows if row.attempts > 1}
    assert set(twice) <= retried and len(retried) <= 1
