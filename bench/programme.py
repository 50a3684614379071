"""The public programme page of a big event under load, against a trivial Flask page as yardstick.

    .venv/bin/python bench/programme.py                        # SQLite (default)
    .venv/bin/python bench/programme.py --database postgresql  # throwaway PostgreSQL server
    BENCH_SECONDS=5 .venv/bin/python bench/programme.py        # a quick try

The script fills a fresh database in a temporary folder with one published event: 40 slots of
5 parallel sessions (200 sessions with rooms, tracks and speakers) and 10,000 confirmed
registrations with 80,000 session choices (bench/dataset.py). It counts the SQL statements of
one view of `/events/bench/programme` in-process with the Flask test client, at that size and
at 20 sessions / 100 registrations, both as visitors see it (the grid comes from the render
cache, `conference/cache.py`) and just after the programme changed (the grid is rendered
again). Then it serves the app with gunicorn (4 sync workers, 127.0.0.1) and has 8 clients
(threads of a second process) fetch the page back to back, and measures a trivial Flask page with the same
settings. The last lines are `ratio: X` (pages per second ÷ trivial requests per second),
`p95_ms: Y` and `queries_per_view: N`.
"""

import functools
import statistics
import time

from dataset import FULL, SESSIONS_PER_SLOT, SMALL
from harness import (
    BenchRun,
    Browser,
    UnexpectedAnswer,
    arguments,
    call,
    counting_statements,
    page_text,
    print_problems,
    print_trivial,
    statements_per_view,
)

SLUG = "bench"
PATH = f"/events/{SLUG}/programme"
CARD = 'class="session-card"'
HEADERS = {"Accept-Language": "sv", "Accept-Encoding": "gzip"}  # as the load clients send
VIEWS = 5  # views counted in each state
TIMED_VIEWS = 20  # views timed in each state, in-process


def programme_task(port, client_id, *, sessions):
    """A visitor looking at the programme; the whole grid must be there."""
    browser = Browser(port, gzip=True)

    def view():
        response, page = browser.request("GET", PATH)
        if response.status != 200:
            raise UnexpectedAnswer(f"GET {PATH}: {response.status}")
        if page.count(CARD) != sessions or not page.rstrip().endswith("</html>"):
            raise UnexpectedAnswer(f"GET {PATH}: {page.count(CARD)} sessions of {sessions}, or a cut page")

    return view


def count_statements(slug, sessions):
    """Statements and in-process time per view, from the render cache and just after a change of
    the programme (run by `call`, in a process of its own)."""
    from conference import create_app
    from conference.database import transaction
    from conference.events.models import Event
    from conference.extensions import db
    from conference.programme.choices import programme_changed

    app = create_app()
    client = app.test_client()
    path = f"/events/{slug}/programme"
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id).where(Event.slug == slug))

    def check(response):
        count = page_text(response).count(CARD)
        if count != sessions:
            raise SystemExit(f"GET {path}: {count} sessions of {sessions}")

    def change():
        """What every change to the programme or its seat counts does: a new version."""
        with app.app_context(), transaction():
            programme_changed(event_id)

    def timed(before=None):
        times = []
        for _ in range(TIMED_VIEWS):
            if before:
                before()
            began = time.perf_counter()
            client.get(path, headers=HEADERS)
            times.append(time.perf_counter() - began)
        return statistics.median(times) * 1000

    client.get(path, headers=HEADERS)  # templates compiled, catalogues loaded, the grid cached
    cached = statements_per_view(app, client, path, views=VIEWS, check=check, headers=HEADERS)
    uncached = []
    for _ in range(VIEWS):
        change()
        with counting_statements(app) as statements:
            check(client.get(path, headers=HEADERS))
        uncached.append(len(statements))
    return {"cached": cached, "uncached": uncached, "cached_ms": timed(), "uncached_ms": timed(before=change)}


def steady(counts):
    """The count of every view, or the highest with all of them when they differ."""
    return str(counts[0]) if len(set(counts)) == 1 else f"{max(counts)} (views: {counts})"


def report(views, trivial, small, full, *, database, sizes):
    print_problems({"programme": views, "trivial": trivial})
    print(f"sessions: {sizes['sessions']}")
    print(f"registrations: {sizes['registrations']}")
    print(f"session_choices: {sizes['choices']}")
    print(f"views_per_s: {views['rate']:.1f}")
    print(f"p50_ms: {views['p50_ms']:.1f}")
    print(f"view_errors: {views['errors']}")
    print(f"server_cpu_ms_per_view: {views['server_cpu_ms']:.2f}")
    if database == "postgresql":
        print(f"postgresql_cpu_ms_per_view: {views['database_cpu_ms']:.2f}")
    print(f"client_cpu_ms_per_view: {views['client_cpu_ms']:.2f}")
    print_trivial(trivial)
    print(f"other_load_cores: {views['other_load_cores']:.2f} / {trivial['other_load_cores']:.2f}")
    print(f"in_process_cached_view_ms: {full['cached_ms']:.2f}")
    print(f"in_process_uncached_view_ms: {full['uncached_ms']:.2f}")
    print(f"queries_per_uncached_view_small: {steady(small['uncached'])}")
    print(f"queries_per_uncached_view: {steady(full['uncached'])}")
    print(f"errors: {views['errors'] + trivial['errors']}")
    small_label = f"{SMALL['slots'] * SESSIONS_PER_SLOT}_sessions_{SMALL['registrations']}_registrations"
    print(f"queries_per_view_at_{small_label}: {steady(small['cached'])}")
    same = small["cached"] == full["cached"] and small["uncached"] == full["uncached"]
    print(f"queries_per_view_same_at_both_sizes: {'yes' if same else 'no'}")
    ratio = views["rate"] / trivial["rate"] if trivial["rate"] else 0.0
    print(f"ratio_unrounded: {ratio:.4f}")
    print(f"ratio: {ratio:.2f}")
    print(f"p95_ms: {views['p95_ms']:.1f}")
    print(f"queries_per_view: {steady(full['cached'])}")


def main():
    args = arguments(__doc__)
    with BenchRun(args) as bench:
        env = bench.database()
        sizes = call(env, "dataset", "seed_event", slug=SLUG, **FULL)
        small_env = bench.database("ting_bench_small")
        small_sizes = call(small_env, "dataset", "seed_event", slug=SLUG, **SMALL)
        bench.announce()

        small = call(small_env, "programme", "count_statements", slug=SLUG, sessions=small_sizes["sessions"])
        full = call(env, "programme", "count_statements", slug=SLUG, sessions=sizes["sessions"])

        server = bench.serve("app:app", env, PATH)
        views = bench.measure(server, functools.partial(programme_task, sessions=sizes["sessions"]))
        bench.stop(server)
        trivial = bench.measure_trivial()

        report(views, trivial, small, full, database=args.database, sizes=sizes)


if __name__ == "__main__":
    main()
