"""Throughput of complete public registrations, against a trivial Flask page as yardstick.

    .venv/bin/python bench/registration.py                        # SQLite (default)
    .venv/bin/python bench/registration.py --database postgresql  # throwaway PostgreSQL server
    BENCH_SECONDS=5 .venv/bin/python bench/registration.py        # a quick try

The script prepares a fresh database in a temporary folder (migrations, reference lists and
one published event without a capacity limit), starts the app under gunicorn with 4 sync
workers on 127.0.0.1, and from a second process runs complete registrations with 8 concurrent
clients, as a browser would: GET the form, then POST it back with its CSRF token, its submission key, the
session cookie and unique data. The registration is complete at the 303 answer; the redirect
is not followed. With the same gunicorn settings and the same load generator it then measures
a trivial Flask page served from a throwaway module, and prints the ratio of the two rates.
Only 127.0.0.1 is contacted. The last two lines are `ratio: X` and `errors: N`.
"""

import os

from harness import (
    BenchRun,
    Browser,
    UnexpectedAnswer,
    arguments,
    call,
    hidden_value,
    print_problems,
    print_trivial,
    select_values,
)

SLUG = "bench"


def setup_event(slug):
    """One published event, open for registration, without a capacity limit (run by `call`)."""
    from datetime import timedelta

    from conference import create_app
    from conference.database import transaction, utcnow
    from conference.events.models import Event, EventStatus

    app = create_app()
    now = utcnow()
    with app.app_context(), transaction() as session:
        session.add(
            Event(
                slug=slug,
                title="Belastningstinget",
                venue="Folkets hus",
                address="Barnhusgatan 12, Stockholm",
                contact_email="tinget@example.se",
                starts_at=now + timedelta(days=21),
                ends_at=now + timedelta(days=21, hours=7),
                status=EventStatus.PUBLISHED,
                capacity=None,
                waitlist_enabled=True,
            )
        )


def registration_task(port, client_id):
    """One complete registration by a new visitor (no cookies yet): GET the form, POST it."""
    path = f"/events/{SLUG}/register"
    counter = 0

    def register():
        nonlocal counter
        counter += 1
        browser = Browser(port)
        response, page = browser.request("GET", path)
        if response.status != 200:
            raise UnexpectedAnswer(f"GET {path}: {response.status}")
        sectors = select_values(page, "sector")
        municipalities = select_values(page, "municipality")
        form = {
            "csrf_token": hidden_value(page, "csrf_token"),
            "submission_key": hidden_value(page, "submission_key"),
            "first_name": "Åsa",
            "last_name": f"Öberg {counter}",
            "email": f"bench-{os.getpid()}-{client_id}-{counter}@example.se",
            "phone": "070-123 45 67",
            "organisation": "Studieförbundet Vuxenskolan",
            "role_title": "Verksamhetsutvecklare",
            "sector": sectors[counter % len(sectors)],
            "municipality": municipalities[counter % len(municipalities)],
            "dietary_needs": "Vegetarisk",
            "accessibility_needs": "",
            "language": "sv",
            "consent_sector_list": "y",
        }
        if counter % 2:
            form["consent_public_list"] = "y"
        response, page = browser.request("POST", path, form)
        location = response.getheader("Location") or ""
        if response.status != 303 or not location.endswith(f"/events/{SLUG}/registered"):
            raise UnexpectedAnswer(f"POST {path}: {response.status} {location} {page[:300]!r}")

    return register


def report(registration, trivial, *, database):
    print_problems({"registration": registration, "trivial": trivial})
    print(f"registrations_per_s: {registration['rate']:.1f}")
    print(f"p50_ms: {registration['p50_ms']:.1f}")
    print(f"p95_ms: {registration['p95_ms']:.1f}")
    print(f"registration_errors: {registration['errors']}")
    print(f"server_cpu_ms_per_registration: {registration['server_cpu_ms']:.1f}")
    if database == "postgresql":
        print(f"postgresql_cpu_ms_per_registration: {registration['database_cpu_ms']:.1f}")
    print(f"client_cpu_ms_per_registration: {registration['client_cpu_ms']:.1f}")
    print_trivial(trivial)
    print(f"other_load_cores: {registration['other_load_cores']:.2f} / {trivial['other_load_cores']:.2f}")
    ratio = registration["rate"] / trivial["rate"] if trivial["rate"] else 0.0
    print(f"ratio_unrounded: {ratio:.4f}")
    print(f"ratio: {ratio:.2f}")
    print(f"errors: {registration['errors'] + trivial['errors']}")


def main():
    args = arguments(__doc__)
    with BenchRun(args) as bench:
        env = bench.database()
        call(env, "registration", "setup_event", slug=SLUG)
        bench.announce()

        server = bench.serve("app:app", env, f"/events/{SLUG}/register")
        registration = bench.measure(server, registration_task)
        bench.stop(server)
        trivial = bench.measure_trivial()

        report(registration, trivial, database=args.database)


if __name__ == "__main__":
    main()
