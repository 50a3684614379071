"""The outbox: mail is never lost, never sent twice, and retried with backoff."""

import threading
import time
from datetime import timedelta

from conference.database import transaction, utcnow
from conference.extensions import db
from conference.mailings.models import MessageKind, OutboxMessage, OutboxStatus
from conference.mailings.outbox import Mail, deliver_due, enqueue, retry_delay
from conference.registration.models import Registration
from tests.conftest import close_app, make_app
from tests.support.factories import create_event, registration_data
from tests.support.forms import submit
from tests.support.mailings import wait_until
from tests.support.postgres import free_port
from tests.support.smtp import SmtpServer


def outbox(app):
    with app.app_context():
        return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def queue_messages(app, count, prefix="reader"):
    with app.app_context(), transaction():
        for index in range(count):
            enqueue(
                kind=MessageKind.CONFIRMATION,
                recipient=f"{prefix}{index}@example.se",
                mail=Mail(subject=f"Meddelande {index}", text_body=f"Hej nummer {index}"),
            )


def test_with_smtp_down_the_registration_stands_and_the_mail_waits_then_goes_once(database_url):
    port = free_port()  # nothing listens here yet: the SMTP server is down
    app = make_app(database_url, port)
    try:
        create_event(app)
        response = submit(app.test_client(), "/events/tinget/register", registration_data(app))
        assert response.status_code == 303
        with app.app_context():
            assert db.session.scalar(db.select(Registration.status)) == "confirmed"

        assert wait_until(lambda: outbox(app)[0].attempts == 1), "the inline delivery never tried"
        (waiting,) = outbox(app)
        assert waiting.status == OutboxStatus.QUEUED
        assert "Connection refused" in waiting.last_error or "ConnectionRefused" in waiting.last_error
        assert waiting.next_attempt_at > utcnow()

        server = SmtpServer(port).start()
        try:
            runner = app.test_cli_runner()
            assert "sent 0" in runner.invoke(args=["mail", "deliver"]).output  # still backing off
            result = runner.invoke(args=["mail", "deliver", "--retry-now"])
            assert result.exit_code == 0
            assert "sent 1" in result.output
            assert "sent 0" in runner.invoke(args=["mail", "deliver", "--retry-now"]).output
            (mail,) = server.inbox.wait_for(1)
            assert mail["Subject"] == "Din anmälan till Stockholmstinget test"
            time.sleep(0.3)
            assert len(server.inbox.messages) == 1
        finally:
            server.stop()
        (sent,) = outbox(app)
        assert sent.status == OutboxStatus.SENT
        assert sent.attempts == 2
        assert sent.message_id == mail["Message-ID"]
    finally:
        close_app(app)


def test_deliver_without_a_mail_server_says_so_and_keeps_the_messages(database_url, smtp_server):
    app = make_app(database_url, smtp_server.port, MAIL_SERVER=None, MAIL_DELIVER_INLINE=False)
    try:
        queue_messages(app, 1)
        result = app.test_cli_runner().invoke(args=["mail", "deliver"])
        assert result.exit_code != 0
        assert "MAIL_SERVER is not set" in result.output
        assert outbox(app)[0].status == OutboxStatus.QUEUED
    finally:
        close_app(app)


def test_a_temporary_refusal_is_retried_and_a_permanent_one_fails_with_its_error(database_url, smtp_server):
    app = make_app(database_url, smtp_server.port, MAIL_DELIVER_INLINE=False)
    inbox = smtp_server.inbox
    inbox.refuse["reader1@example.se"] = "451 4.3.0 Try again later"
    inbox.refuse["reader2@example.se"] = "550 5.1.1 No such user"
    try:
        queue_messages(app, 4)
        with app.app_context():
            report = deliver_due()
        assert (report.sent, report.retrying, report.failed) == (2, 1, 1)
        by_recipient = {m.recipient: m for m in outbox(app)}
        assert by_recipient["reader1@example.se"].status == OutboxStatus.QUEUED
        assert "451" in by_recipient["reader1@example.se"].last_error
        assert by_recipient["reader2@example.se"].status == OutboxStatus.FAILED
        assert "550" in by_recipient["reader2@example.se"].last_error
        assert {m["To"] for m in inbox.messages} == {"reader0@example.se", "reader3@example.se"}

        del inbox.refuse["reader1@example.se"]
        with app.app_context():
            assert deliver_due().sent == 0  # backing off
            assert deliver_due(now=utcnow() + retry_delay(1)).sent == 1
        assert len(inbox.to("reader1@example.se")) == 1
        assert len(inbox.to("reader2@example.se")) == 0
    finally:
        close_app(app)


def test_backoff_grows_and_is_capped():
    delays = [retry_delay(attempt) for attempt in range(1, 10)]
    assert delays[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert delays == sorted(delays)
    assert delays[-1] == timedelta(hours=1)


def test_a_message_claimed_by_a_worker_that_died_is_sent_after_the_claim_expires(database_url, smtp_server):
    app = make_app(database_url, smtp_server.port, MAIL_DELIVER_INLINE=False)
    try:
        queue_messages(app, 1)
        with app.app_context(), transaction():
            row = db.session.scalars(db.select(OutboxMessage)).one()
            row.status = OutboxStatus.SENDING
            row.claimed_until = utcnow() + timedelta(minutes=5)
        with app.app_context():
            assert deliver_due().sent == 0  # another worker still holds it
            assert deliver_due(now=utcnow() + timedelta(minutes=6)).sent == 1
        assert len(smtp_server.inbox.wait_for(1)) == 1
    finally:
        close_app(app)


def test_two_workers_share_the_outbox_without_sending_anything_twice(database_url, smtp_server):
    app = make_app(database_url, smtp_server.port, MAIL_DELIVER_INLINE=False)
    count = 300
    try:
        queue_messages(app, count)
        start = threading.Barrier(2)
        reports = []

        def worker():
            with app.app_context():
                start.wait()
                reports.append(deliver_due(batch_size=20))
                db.session.remove()

        workers = [threading.Thread(target=worker) for _ in range(2)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=120)
        received = smtp_server.inbox.wait_for(count)
        assert sorted(m["To"] for m in received) == sorted(f"reader{i}@example.se" for i in range(count))
        assert sum(report.sent for report in reports) == count
        assert all(m.status == OutboxStatus.SENT and m.attempts == 1 for m in outbox(app))
    finally:
        close_app(app)


def test_a_registration_mail_is_rendered_by_the_worker_and_kept_as_sent(database_url, smtp_server):
    app = make_app(database_url, smtp_server.port, MAIL_DELIVER_INLINE=False)
    try:
        create_event(app)
        submit(app.test_client(), "/events/tinget/register", registration_data(app))
        (queued,) = outbox(app)
        assert queued.raw_message is None and queued.context == {"status": "confirmed", "waitlist_position": None}
        with app.app_context():
            assert deliver_due().sent == 1
        (sent,) = outbox(app)
        (mail,) = smtp_server.inbox.wait_for(1)
        assert sent.subject == mail["Subject"] == "Din anmälan till Stockholmstinget test"
        assert mail["Message-ID"] == sent.message_id
        assert "Din plats är bekräftad" in sent.raw_message or "Din plats =C3=A4r" in sent.raw_message
    finally:
        close_app(app)


def test_a_message_that_cannot_be_rendered_fails_alone(database_url, smtp_server):
    app = make_app(database_url, smtp_server.port, MAIL_DELIVER_INLINE=False)
    try:
        create_event(app)
        submit(app.test_client(), "/events/tinget/register", registration_data(app))
        queue_messages(app, 1)
        with app.app_context(), transaction():
            broken = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.raw_message.is_(None))).one()
            broken.context = {}  # the renderer needs the recorded status
        with app.app_context():
            report = deliver_due()
        assert (report.sent, report.failed) == (1, 1)
        failed = [m for m in outbox(app) if m.status == OutboxStatus.FAILED]
        assert len(failed) == 1 and "KeyError" in failed[0].last_error
    finally:
        close_app(app)
