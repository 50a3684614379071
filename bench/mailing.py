"""A follow-up mailing to 10,000 recipients: the time to queue it, and one delivery worker's
rate against plain smtplib sending the same prepared messages over one connection.

    .venv/bin/python bench/mailing.py                        # SQLite (default)
    .venv/bin/python bench/mailing.py --database postgresql  # throwaway PostgreSQL server

The script fills a fresh database with the event of bench/dataset.py (200 sessions, 10,000
confirmed registrations with 8 session choices each), gives every registration consent to
follow-up mailings, and saves and sends a mailing in Swedish and English that uses every
placeholder (through the service functions the views call, as an organiser made with
`flask users create`). Then, each in its own process:

1. enqueue: `queue_mailing()`, as the delivery run calls it for a mailing that is due: fixes
   the 10,000 recipients, renders each message and writes them to the outbox. Timed in that
   process, without the app's start-up.
2. yardstick: the prepared messages read from the outbox, then sent with `smtplib` over one
   connection to a local aiosmtpd sink (in this process).
3. delivery: `flask mail deliver` (one worker) sends them to the same sink.

Both rates are timed at the sink, from the first message received to the last, so process
start-up does not count. The last lines are `enqueue_s: X` (target ≤ 5) and
`delivery_ratio: Y` (worker rate ÷ smtplib rate, target ≥ 0.5).
"""

import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller
from dataset import FULL
from harness import ROOT, BenchRun, arguments, call, flask, free_port

SLUG = "bench"
EMAIL = "organisator@example.se"
PASSWORD = "korrekt häst batteri häftklammer"
SUBJECT = "Tack för {event}, {first_name}!"
BODY = """Hej {name}!

Tack för att du kom till **{event}** och representerade {organisation}. Dokumentationen och
inspelningarna finns nu på webben, och vi vill gärna höra vad du tyckte i vår
[enkät](https://example.se/enkat).

Dina programpunkter var:

{sessions}

Nästa möte är den 12 mars. Din anmälan: {manage_link}
"""
BODY_EN = BODY.replace("Hej", "Hello").replace("Tack för att du kom till", "Thank you for coming to")


class Sink:
    """An SMTP server that accepts everything and notes when each message arrived."""

    def __init__(self):
        self.arrivals = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.arrivals.append(time.perf_counter())
        return "250 OK"

    def reset(self):
        with self.lock:
            self.arrivals = []

    def wait_for(self, count, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.arrivals) >= count:
                    return self.arrivals[-1] - self.arrivals[0]
            time.sleep(0.05)
        sys.exit(f"the sink received {len(self.arrivals)} of {count} messages")


def prepare(slug, email):
    """Consent for everyone, and a mailing to all of them sent now. Returns its id."""
    from conference import create_app
    from conference.accounts.models import User
    from conference.database import transaction, utcnow
    from conference.events.models import Event
    from conference.extensions import db
    from conference.mailings import services
    from conference.registration.models import Registration

    app = create_app({"MAIL_DELIVER_INLINE": False})
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id).where(Event.slug == slug))
        with transaction() as session:
            session.execute(db.update(Registration).values(consent_mailings_at=utcnow()))
            # Every third attendee reads English.
            session.execute(db.update(Registration).where(Registration.id % 3 == 0).values(language="en"))
        user = db.session.scalars(db.select(User).where(User.email == email)).one()
        texts = {"subject_sv": SUBJECT, "body_sv": BODY, "subject_en": SUBJECT, "body_en": BODY_EN}
        fields = {"kind": "follow_up", "audience": {}} | texts
        mailing_id = services.save_mailing(event_id=event_id, fields=fields, user=user)
        services.send(mailing_id=mailing_id, user=user)
        return mailing_id


def enqueue(mailing_id):
    """Seconds to queue the mailing (recipients, rendering, outbox rows), and how many."""
    from conference import create_app
    from conference.mailings.services import queue_mailing

    app = create_app({"MAIL_DELIVER_INLINE": False})
    with app.app_context():
        started = time.perf_counter()
        count = queue_mailing(mailing_id=mailing_id)
        return {"seconds": time.perf_counter() - started, "count": count}


def smtplib_yardstick(port):
    """The outbox's prepared messages sent with smtplib over one connection."""
    import smtplib

    from conference import create_app
    from conference.extensions import db
    from conference.mailings.models import OutboxMessage

    app = create_app({"MAIL_DELIVER_INLINE": False})
    with app.app_context():
        messages = db.session.execute(
            db.select(OutboxMessage.recipient, OutboxMessage.raw_message).order_by(OutboxMessage.id)
        ).all()
    connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
    for recipient, raw in messages:
        connection.sendmail("noreply@ting.localhost", [recipient], raw.encode())
    connection.quit()
    return len(messages)


def main():
    args = arguments(__doc__)
    with BenchRun(args) as bench:
        env = bench.database()
        print(f"database: {args.database}; seeding {FULL['registrations']:,} registrations", flush=True)
        call(env, "dataset", "seed_event", slug=SLUG, **FULL)
        flask(env, "users", "create", EMAIL, "--role", "organiser", "--password", PASSWORD)
        mailing_id = call(env, "mailing", "prepare", slug=SLUG, email=EMAIL)

        queued = call(env, "mailing", "enqueue", mailing_id=mailing_id)
        count = queued["count"]
        print(f"queued {count:,} messages in {queued['seconds']:.2f} s", flush=True)

        sink = Sink()
        port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            call(env, "mailing", "smtplib_yardstick", port=port)
            yardstick_s = sink.wait_for(count, timeout=300)
            print(f"smtplib, one connection: {count / yardstick_s:,.0f} messages/s", flush=True)

            sink.reset()
            worker_env = env | {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_DELIVER_INLINE": "false"}
            subprocess.run(
                [sys.executable, "-m", "flask", "--app", "app", "mail", "deliver"],
                cwd=ROOT,
                env=worker_env,
                check=True,
                capture_output=True,
                timeout=600,
            )
            worker_s = sink.wait_for(count, timeout=60)
            print(f"flask mail deliver, one worker: {count / worker_s:,.0f} messages/s", flush=True)
        finally:
            controller.stop()
        print(f"enqueue_s: {queued['seconds']:.2f}")
        print(f"delivery_ratio: {yardstick_s / worker_s:.2f}")


if __name__ == "__main__":
    main()
