"""The coverage view of the whole model of dialogue forums under load, against a trivial Flask
page as yardstick.

    .venv/bin/python bench/coverage_matrix.py                        # SQLite (default)
    .venv/bin/python bench/coverage_matrix.py --database postgresql  # throwaway PostgreSQL server
    BENCH_SECONDS=5 .venv/bin/python bench/coverage_matrix.py        # a quick try

The script fills a fresh database with 8 forum series of 4 editions each (32 columns) and
20,000 confirmed registrations spread over the 26 municipalities and 11 sectors, and an
organiser account. It counts the SQL statements of one view of `/staff/coverage` (the whole
model: 26 municipalities and 11 sectors against every edition) in-process with the Flask test
client, at that size and at 2 series × 2 editions with 100 registrations: the counting is
grouped in the database, so the number must be the same. Then it serves the app with gunicorn
(4 sync workers, 127.0.0.1); each of 8 clients (threads of a second process) signs in once and fetches the page back
to back. The last lines are `ratio: X` (pages per second ÷ trivial requests per second) and
`queries_per_view: N`.
"""

import functools
import random
import time
from datetime import datetime, timedelta

from backoffice import EMAIL, PASSWORD, SIGN_IN_LEAD, sign_in, steady
from harness import (
    BenchRun,
    Browser,
    UnexpectedAnswer,
    arguments,
    call,
    flask,
    print_problems,
    print_trivial,
    statements_per_view,
)

PATH = "/staff/coverage"
FULL = {"forums": 8, "editions": 4, "registrations": 20_000}
SMALL = {"forums": 2, "editions": 2, "registrations": 100}
VIEWS = 5
TIMED_VIEWS = 10
MARKER = 'class="table-scroll"'


def seed(forums, editions, registrations):
    """`forums` series of `editions` published editions each, and `registrations` confirmed
    registrations spread over them, the municipalities and the sectors (written in bulk)."""
    import secrets

    from conference import create_app
    from conference.database import transaction
    from conference.events.models import Event, EventStatus, Forum, Level
    from conference.extensions import db
    from conference.reference.models import Municipality, Sector
    from conference.registration.models import Registration

    rng = random.Random(forums * 1000 + registrations)
    app = create_app()
    with app.app_context(), transaction() as session:
        event_ids = []
        for number in range(forums):
            forum = Forum(name=f"Dialogforum {number + 1}", level=list(Level)[number % len(Level)])
            session.add(forum)
            for edition in range(editions):
                starts_at = datetime(2025 + edition // 2, 3 + 6 * (edition % 2), 1 + number, 8)
                event = Event(
                    forum=forum,
                    slug=f"forum-{number}-{edition}",
                    title=f"Dialogforum {number + 1}, tillfälle {edition + 1}",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=3),
                    status=EventStatus.PUBLISHED,
                )
                session.add(event)
                session.flush()
                event_ids.append(event.id)
        municipality_ids = session.scalars(db.select(Municipality.id)).all()
        # A few municipalities take part in nothing: the gaps the page lists.
        reached = municipality_ids[4:]
        sector_ids = session.scalars(db.select(Sector.id)).all()
        rows = [
            {
                "event_id": rng.choice(event_ids),
                "token": secrets.token_urlsafe(32),
                "status": "confirmed",
                "email": f"person{number}@example.se",
                "first_name": "Person",
                "last_name": str(number),
                "phone": "",
                "organisation": "Organisation",
                "role_title": "",
                "sector_id": rng.choice(sector_ids),
                "municipality_id": rng.choice([*reached, None]),
                "dietary_needs": "",
                "accessibility_needs": "",
                "language": "sv",
                "consent_wording_version": "",
                "checkin_code": secrets.token_hex(6).upper(),
                "created_at": datetime(2025, 1, 1),
                "updated_at": datetime(2025, 1, 1),
            }
            for number in range(registrations)
        ]
        session.execute(Registration.__table__.insert(), rows)
    return {"editions": len(event_ids), "registrations": registrations}


def check_page(page):
    if MARKER not in page or "Kommuner" not in page:
        raise UnexpectedAnswer(f"not the coverage page: {page[:300]!r}")


def page_task(port, client_id):
    browser = Browser(port)

    def request(method, path, form=None):
        response, page = browser.request(method, path, form)
        return response.status, response.getheader("Location") or "", page

    sign_in(lambda path: request("GET", path), lambda path, form: request("POST", path, form))

    def view():
        response, page = browser.request("GET", PATH)
        if response.status != 200:
            raise UnexpectedAnswer(f"GET {PATH}: {response.status}")
        check_page(page)

    return view


def count_statements():
    from conference import create_app

    app = create_app()
    client = app.test_client()

    def request(method, path, form=None):
        response = client.open(path, method=method, data=form)
        return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)

    sign_in(lambda path: request("GET", path), lambda path, form: request("POST", path, form))
    client.get(PATH)
    counts = statements_per_view(
        app, client, PATH, views=VIEWS, check=lambda response: check_page(response.get_data(as_text=True))
    )
    times = []
    for _ in range(TIMED_VIEWS):
        began = time.perf_counter()
        client.get(PATH)
        times.append(time.perf_counter() - began)
    return {"counts": counts, "ms": sorted(times)[len(times) // 2] * 1000}


def prepare(bench, size, name):
    env = bench.database(name)
    seeded = call(env, "coverage_matrix", "seed", **size)
    flask(env, "users", "create", "--role", "organiser", EMAIL, "--password", PASSWORD)
    return env, seeded


def main():
    args = arguments(__doc__)
    with BenchRun(args) as bench:
        env, sizes = prepare(bench, FULL, "ting_bench")
        small_env, _ = prepare(bench, SMALL, "ting_bench_small")
        bench.announce()
        small = call(small_env, "coverage_matrix", "count_statements")
        full = call(env, "coverage_matrix", "count_statements")

        server = bench.serve("app:app", env, "/staff/login")
        views = bench.measure(server, functools.partial(page_task), lead_in=SIGN_IN_LEAD)
        bench.stop(server)
        trivial = bench.measure_trivial()

        print_problems({"coverage": views, "trivial": trivial})
        print(f"editions: {sizes['editions']}")
        print(f"registrations: {sizes['registrations']}")
        print(f"pages_per_s: {views['rate']:.1f}")
        print(f"p50_ms: {views['p50_ms']:.1f}")
        print(f"p95_ms: {views['p95_ms']:.1f}")
        print_trivial(trivial)
        print(f"in_process_page_ms: {full['ms']:.2f}")
        print(f"errors: {views['errors'] + trivial['errors']}")
        print(f"queries_per_view_small: {steady(small['counts'])}")
        print(f"queries_per_view_same_at_both_sizes: {'yes' if small['counts'] == full['counts'] else 'no'}")
        ratio = views["rate"] / trivial["rate"] if trivial["rate"] else 0.0
        print(f"ratio: {ratio:.2f}")
        print(f"queries_per_view: {steady(full['counts'])}")


if __name__ == "__main__":
    main()
