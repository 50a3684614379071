"""The outbox: every outgoing message is written here in the transaction that causes it,
then delivered by a worker that claims rows so that two workers never send the same one."""

import contextlib
import functools
import smtplib
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import make_msgid

from flask import current_app
from flask_mail import Message, sanitize_address
from sqlalchemy import and_, bindparam, case, null, or_, select, update

from conference.database import after_commit, transaction, utcnow, write_connection
from conference.extensions import db
from conference.mailings.models import OutboxMessage, OutboxStatus

SMTP_TIMEOUT_SECONDS = 30
MAX_ATTEMPTS = 8


@dataclass
class Mail:
    subject: str
    text_body: str
    html_body: str | None = None
    attachments: list = field(default_factory=list)  # (filename, content type, bytes)


# kind → function(OutboxMessage) → Mail, for messages rendered when they are delivered
RENDERERS = {}
# functions(now) that add due messages to the outbox before each delivery run (scheduled mailings)
BEFORE_DELIVERY = []


def renders(*kinds):
    """Register the function that renders messages of `kinds` at delivery."""

    def register(function):
        for kind in kinds:
            RENDERERS[kind] = function
        return function

    return register


def enqueue(*, kind, recipient, mail, registration=None):
    """Add a message rendered now to the outbox, in the caller's transaction."""
    row = _add(kind, recipient, registration, context={})
    row.subject = mail.subject
    row.raw_message = _raw_message(row.message_id, recipient, mail)
    return row


_QUEUE_LATER = OutboxMessage.__table__.insert()
# Every column a message queued for later starts with, set in full: the SELECT of
# `_queued_with` takes no column defaults.
_QUEUED_COLUMNS = (
    "kind",
    "registration_id",
    "recipient",
    "context",
    "message_id",
    "subject",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "next_attempt_at",
)


def enqueue_later(*, kind, recipient, registration_id=None, context=None):
    """Add a message to the outbox, in the caller's transaction, that the delivery worker
    renders from `context` with the renderer of its kind; the request need not wait for it.
    One INSERT on the transaction's connection, with no ORM object to flush."""
    db.session.connection().execute(_QUEUE_LATER, _later_values(kind, recipient, registration_id, context))
    after_commit(wake_delivery)


def insert_and_enqueue_later(insert, values, *, kind, recipient, context=None):
    """Run `insert` with `values` (an INSERT … RETURNING the `id` of the one registration it
    adds, or of none, and any other values) and queue a message about that registration as
    `enqueue_later` does. On PostgreSQL the two are one statement, which saves a registration
    rush a round trip per registration. The row `insert` returned, or None: it added
    nothing, and nothing was queued."""
    connection = db.session.connection()
    later = _later_values(kind, recipient, None, context)
    if connection.dialect.name == "postgresql":
        message = {f"queued_{name}": later[name] for name in _QUEUED_COLUMNS if name != "registration_id"}
        added = connection.execute(_queued_with(insert), {**values, **message}).first()
    else:
        added = connection.execute(insert, values).first()
        if added is not None:
            connection.execute(_QUEUE_LATER, {**later, "registration_id": added.id})
    if added is not None:
        after_commit(wake_delivery)
    return added


@functools.cache
def _queued_with(insert):
    """`WITH new_row AS (insert) INSERT INTO outbox_message … SELECT … FROM new_row`,
    returning what `insert` returns: the message is queued only when `insert` added its row.
    For an `insert` of one row: its values besides the id come back as scalar subqueries."""
    new_row = insert.cte("new_row")
    columns = OutboxMessage.__table__.c
    return _QUEUE_LATER.from_select(
        _QUEUED_COLUMNS,
        select(
            *(
                new_row.c.id if name == "registration_id" else bindparam(f"queued_{name}", type_=columns[name].type)
                for name in _QUEUED_COLUMNS
            )
        ),
        include_defaults=False,
    ).returning(
        columns.registration_id.label("id"),
        *(select(column).scalar_subquery().label(column.name) for column in new_row.c if column.name != "id"),
    )


def _later_values(kind, recipient, registration_id, context):
    if kind not in RENDERERS:
        raise LookupError(f"no renderer for {kind}")
    now = utcnow()
    return {
        "kind": kind,
        "registration_id": registration_id,
        "recipient": recipient,
        "context": context or {},
        "message_id": new_message_id(),
        "subject": "",
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "next_attempt_at": now,
    }


def new_message_id():
    return make_msgid(domain=message_id_domain())


def message_id_domain():
    """The sender's domain, for Message-IDs."""
    return _domain_of(current_app.config["MAIL_DEFAULT_SENDER"])


@functools.lru_cache(maxsize=16)
def _domain_of(sender):
    return sanitize_address(sender).rpartition("@")[2].rstrip(">") or "ting.localhost"


def _add(kind, recipient, registration, context):
    row = OutboxMessage(
        kind=kind,
        registration=registration,
        recipient=recipient,
        context=context,
        message_id=new_message_id(),
    )
    db.session.add(row)
    after_commit(wake_delivery)
    return row


def _raw_message(message_id, recipient, mail):
    message = Message(
        subject=mail.subject,
        recipients=[recipient],
        body=mail.text_body,
        html=mail.html_body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    message.msgId = message_id
    for filename, content_type, data in mail.attachments:
        message.attach(filename, content_type, data)
    return message.as_string()


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(*, batch_size=50, now=None, ignore_backoff=False):
    """Send every message that is due, batch by batch, over one SMTP connection kept open
    across batches and opened again when it breaks."""
    queue_due(now)
    report = DeliveryReport()
    sender = _Sender()
    try:
        while batch := _claim_batch(batch_size, now=now, ignore_backoff=ignore_backoff):
            sender.send_batch(_render(batch, report), report)
    finally:
        sender.close()
    return report


def queue_due(now=None):
    """Run what comes before a delivery run: queue the mailings that are due."""
    for function in BEFORE_DELIVERY:
        function(now or utcnow())


def before_delivery(function):
    """Register `function(now)` to run before each delivery run."""
    BEFORE_DELIVERY.append(function)
    return function


def _claim_batch(batch_size, *, now, ignore_backoff):
    now = now or utcnow()
    queued = OutboxMessage.status == OutboxStatus.QUEUED
    due = queued if ignore_backoff else and_(queued, OutboxMessage.next_attempt_at <= now)
    abandoned = and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now)
    with transaction() as session:
        rows = session.scalars(
            db.select(OutboxMessage)
            .where(or_(due, abandoned))
            .order_by(OutboxMessage.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        ).all()
        lease = timedelta(seconds=current_app.config["MAIL_CLAIM_LEASE_SECONDS"])
        for row in rows:
            row.status = OutboxStatus.SENDING
            row.claimed_until = now + lease
        return [(row.id, row.recipient, row.raw_message) for row in rows]


def _render(batch, report):
    """Render what was queued unrendered, and keep it: a retry sends the same bytes."""
    rendered = []
    for message_id, recipient, raw in batch:
        if raw is None:
            try:
                with transaction() as session:
                    row = session.get(OutboxMessage, message_id)
                    mail = RENDERERS[row.kind](row)
                    row.subject = mail.subject[:300]
                    row.raw_message = raw = _raw_message(row.message_id, recipient, mail)
            except Exception as error:  # a message that cannot be rendered must not stop the others
                current_app.logger.exception("Could not render outbox message %s", message_id)
                _record_failure(message_id, error, permanent=True, report=report, attempted=False)
                continue
        rendered.append((message_id, recipient, raw))
    return rendered


class _Sender:
    """One worker's SMTP connection, reused from message to message and batch to batch.

    A message's success is committed together with the next message's attempt, one commit
    per message: a worker that dies loses at most the record of the last message sent or in
    flight, which is then sent again and shows a second attempt.
    """

    def __init__(self):
        self.connection = None
        self.envelope_from = sanitize_address(current_app.config["MAIL_DEFAULT_SENDER"])
        self.sent_unrecorded = None

    def send_batch(self, batch, report):
        try:
            self._send(batch, report)
        finally:
            self._record_attempt(None)

    def _send(self, batch, report):
        for position, (message_id, recipient, raw) in enumerate(batch):
            try:
                self.connection = self.connection or _smtp_connection()
            except (OSError, smtplib.SMTPException) as error:
                # No relay to talk to: this message and the rest of the batch wait for a retry.
                self._record_attempt(None)
                for pending_id, _, _ in batch[position:]:
                    _record_failure(pending_id, error, permanent=False, report=report, attempted=False)
                return
            self._record_attempt(message_id)
            try:
                self.connection.sendmail(self.envelope_from, [recipient], raw.encode())
            except smtplib.SMTPRecipientsRefused as error:
                code, _ = error.recipients.get(recipient, (550, b""))
                _record_failure(message_id, error, permanent=code >= 500, report=report)
            except smtplib.SMTPResponseException as error:
                _record_failure(message_id, error, permanent=error.smtp_code >= 500, report=report)
                if error.smtp_code == 421 or not _still_connected(self.connection):
                    self.close()
            except (OSError, smtplib.SMTPException) as error:
                # The connection broke: this message waits for a retry, the next one gets a new connection.
                _record_failure(message_id, error, permanent=False, report=report)
                self.close()
            else:
                self.sent_unrecorded = message_id
                report.sent += 1

    def _record_attempt(self, message_id):
        """In one commit: the last message sent as sent, and `message_id`'s attempt counted
        before it goes (so that a possible duplicate after a crash is visible)."""
        if self.sent_unrecorded is None and message_id is None:
            return
        with write_connection() as connection:
            connection.execute(
                _SENT_AND_ATTEMPT, {"sent_id": self.sent_unrecorded, "attempt_id": message_id, "now": utcnow()}
            )
        self.sent_unrecorded = None

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.quit()
            self.connection = None


def _still_connected(connection):
    try:
        return connection.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


def _smtp_connection():
    """One SMTP connection with a timeout, so that a stalled relay cannot hang a worker."""
    config = current_app.config
    kind = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    connection = kind(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
    if config["MAIL_USE_TLS"]:
        connection.starttls()
    if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return connection


_outbox = OutboxMessage.__table__
# Built once, and one statement (a round trip less to PostgreSQL): the worker runs it for
# every message, marking the last one sent and counting the next one's attempt.
_is_sent = _outbox.c.id == bindparam("sent_id")
_is_attempt = _outbox.c.id == bindparam("attempt_id")
_SENT_AND_ATTEMPT = (
    update(_outbox)
    .where(or_(_is_sent, _is_attempt))
    .values(
        status=case((_is_sent, OutboxStatus.SENT.value), else_=_outbox.c.status),
        sent_at=case((_is_sent, bindparam("now")), else_=_outbox.c.sent_at),
        claimed_until=case((_is_sent, null()), else_=_outbox.c.claimed_until),
        attempts=case((_is_attempt, _outbox.c.attempts + 1), else_=_outbox.c.attempts),
    )
)


def _record_failure(message_id, error, *, permanent, report, attempted=True):
    with transaction() as session:
        row = session.get(OutboxMessage, message_id, populate_existing=True)
        if not attempted:
            row.attempts += 1
        row.last_error = _describe(error)[:2000]
        row.claimed_until = None
        if permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            report.failed += 1
        else:
            row.status = OutboxStatus.QUEUED
            row.next_attempt_at = utcnow() + retry_delay(row.attempts)
            report.retrying += 1


def _describe(error):
    """The SMTP reply as the relay gave it (what an organiser can look up), else the exception."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and len(error.recipients) == 1:
        ((code, reply),) = error.recipients.values()
        return f"{code} {reply.decode(errors='replace')}"
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {reply}"
    return f"{type(error).__name__}: {error}"


def retry_delay(attempts):
    """Exponential backoff: 30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


class InlineDelivery:
    """The embedded default's delivery: one thread per process that drains the outbox
    when woken after a commit, and every minute for retries that have come due."""

    def __init__(self, app):
        self.app = app
        # Without a relay it only queues mailings that are due: their messages wait in the
        # outbox, where organisers see them, as every other message does.
        self.delivers = bool(app.config["MAIL_SERVER"])
        self.wakeup = threading.Event()
        self.stopping = False
        self.thread = None
        self.start_lock = threading.Lock()

    def wake(self):
        with self.start_lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="ting-outbox", daemon=True)
                self.thread.start()
        self.wakeup.set()

    def stop(self):
        self.stopping = True
        self.wakeup.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def _run(self):
        while not self.stopping:
            self.wakeup.wait(timeout=60)
            self.wakeup.clear()
            if self.stopping:
                return
            with self.app.app_context():
                try:
                    deliver_due() if self.delivers else queue_due()
                except Exception:
                    self.app.logger.exception("Inline outbox delivery failed; the messages stay queued")
                finally:
                    db.session.remove()


def wake_delivery():
    """After a commit that queued mail: the embedded default's delivery thread starts on it."""
    inline = current_app.extensions.get("ting_inline_delivery")
    if inline is not None and inline.delivers:
        inline.wake()


def wake_queuing():
    """After a commit that made a mailing due: the embedded default's thread queues its
    messages (and delivers them, when there is a relay)."""
    inline = current_app.extensions.get("ting_inline_delivery")
    if inline is not None:
        inline.wake()
