"""The organisers' registrations table under load, against a trivial Flask page as yardstick.

    .venv/bin/python bench/backoffice.py                        # SQLite (default)
    .venv/bin/python bench/backoffice.py --database postgresql  # throwaway PostgreSQL server
    BENCH_SECONDS=5 .venv/bin/python bench/backoffice.py        # a quick try

The script fills a fresh database in a temporary folder with the event of bench/dataset.py
(200 sessions, 10,000 confirmed registrations with session choices) and an organiser account
made with `flask users create --role organiser`. It counts the SQL statements of one view of
page 1 of the registrations table filtered by a sector,
`/staff/events/<id>/registrations?sector=<id>`, in-process with the Flask test client, at that
size and at 20 sessions / 100 registrations. Then it serves the app with gunicorn (4 sync
workers, 127.0.0.1); each of 8 clients (threads of a second process) signs in once (GET and POST /staff/login, with
the CSRF token) and then fetches the table back to back with its session cookie. Each view
writes an audit-log entry, as intended. A trivial Flask page is measured with the same
settings. The last lines are `ratio: X` (tables per second ÷ trivial requests per second) and
`queries_per_view: N`.
"""

import functools
import re
import time

from dataset import FULL, SESSIONS_PER_SLOT, SMALL
from harness import (
    BenchRun,
    Browser,
    UnexpectedAnswer,
    arguments,
    call,
    flask,
    hidden_value,
    print_problems,
    print_trivial,
    statements_per_view,
)

SLUG = "bench"
EMAIL = "organisator@example.se"
PASSWORD = "korrekt häst batteri häftklammer"
PAGE_SIZE = 50  # conference/organiser/registrations.py
ROW = re.compile(r'<a href="/staff/registrations/\d+">')
VIEWS = 5
TIMED_VIEWS = 20
# Time for the clients to sign in (argon2 takes a while) before the warm-up starts.
SIGN_IN_LEAD = 3.0


def table_path(event_id, sector_id):
    return f"/staff/events/{event_id}/registrations?sector={sector_id}"


def check_table(page, expected_rows):
    rows = len(ROW.findall(page))
    if rows != expected_rows:
        raise UnexpectedAnswer(f"the table has {rows} rows instead of {expected_rows}: {page[:300]!r}")


def sign_in(get, post):
    """GET the login form, POST it with its CSRF token; `get(path)` and `post(path, form)`
    return (status, location, page)."""
    status, _, page = get("/staff/login")
    if status != 200:
        raise UnexpectedAnswer(f"GET /staff/login: {status}")
    form = {"csrf_token": hidden_value(page, "csrf_token"), "email": EMAIL, "password": PASSWORD}
    status, location, page = post("/staff/login", form)
    if status != 303:
        raise UnexpectedAnswer(f"POST /staff/login: {status} {location} {page[:300]!r}")


def table_task(port, client_id, *, path, rows):
    """An organiser, signed in once, looking at the table again and again."""
    browser = Browser(port)

    def request(method, path, form=None):
        response, page = browser.request(method, path, form)
        return response.status, response.getheader("Location") or "", page

    sign_in(lambda path: request("GET", path), lambda path, form: request("POST", path, form))

    def view():
        response, page = browser.request("GET", path)
        if response.status != 200:
            raise UnexpectedAnswer(f"GET {path}: {response.status} {response.getheader('Location')}")
        check_table(page, rows)

    return view


def count_statements(path, rows):
    """Statements and in-process time per view of the table for a signed-in organiser (run by
    `call`, in a process of its own)."""
    from conference import create_app

    app = create_app()
    client = app.test_client()

    def request(method, path, form=None):
        response = client.open(path, method=method, data=form)
        return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)

    sign_in(lambda path: request("GET", path), lambda path, form: request("POST", path, form))
    client.get(path)  # templates compiled, catalogues loaded
    counts = statements_per_view(
        app, client, path, views=VIEWS, check=lambda response: check_table(response.get_data(as_text=True), rows)
    )
    times = []
    for _ in range(TIMED_VIEWS):
        began = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - began)
    return {"counts": counts, "ms": sorted(times)[len(times) // 2] * 1000}


def prepare(bench, size):
    """A database with the bench event of `size` and the organiser; (env, table path, rows on page 1)."""
    env = bench.database("ting_bench" if size is FULL else "ting_bench_small")
    seeded = call(env, "dataset", "seed_event", slug=SLUG, **size)
    flask(env, "users", "create", "--role", "organiser", EMAIL, "--password", PASSWORD)
    sector_ids = seeded["sector_ids"]
    # dataset.py gives registration n the sector n % len(sectors): the first sector's count.
    matching = (seeded["registrations"] + len(sector_ids) - 1) // len(sector_ids)
    return env, table_path(seeded["event_id"], sector_ids[0]), min(matching, PAGE_SIZE), seeded


def steady(counts):
    return str(counts[0]) if len(set(counts)) == 1 else f"{max(counts)} (views: {counts})"


def report(views, trivial, small, full, *, database, sizes):
    print_problems({"backoffice": views, "trivial": trivial})
    print(f"registrations: {sizes['registrations']}")
    print(f"sessions: {sizes['sessions']}")
    print(f"tables_per_s: {views['rate']:.1f}")
    print(f"p50_ms: {views['p50_ms']:.1f}")
    print(f"p95_ms: {views['p95_ms']:.1f}")
    print(f"table_errors: {views['errors']}")
    print(f"server_cpu_ms_per_table: {views['server_cpu_ms']:.2f}")
    if database == "postgresql":
        print(f"postgresql_cpu_ms_per_table: {views['database_cpu_ms']:.2f}")
    print(f"client_cpu_ms_per_table: {views['client_cpu_ms']:.2f}")
    print_trivial(trivial)
    print(f"other_load_cores: {views['other_load_cores']:.2f} / {trivial['other_load_cores']:.2f}")
    print(f"in_process_table_ms: {full['ms']:.2f}")
    print(f"errors: {views['errors'] + trivial['errors']}")
    small_label = f"{SMALL['slots'] * SESSIONS_PER_SLOT}_sessions_{SMALL['registrations']}_registrations"
    print(f"queries_per_view_at_{small_label}: {steady(small['counts'])}")
    print(f"queries_per_view_same_at_both_sizes: {'yes' if small['counts'] == full['counts'] else 'no'}")
    ratio = views["rate"] / trivial["rate"] if trivial["rate"] else 0.0
    print(f"ratio_unrounded: {ratio:.4f}")
    print(f"ratio: {ratio:.2f}")
    print(f"queries_per_view: {steady(full['counts'])}")


def main():
    args = arguments(__doc__)
    with BenchRun(args) as bench:
        env, path, rows, sizes = prepare(bench, FULL)
        small_env, small_path, small_rows, _ = prepare(bench, SMALL)
        bench.announce()

        small = call(small_env, "backoffice", "count_statements", path=small_path, rows=small_rows)
        full = call(env, "backoffice", "count_statements", path=path, rows=rows)

        server = bench.serve("app:app", env, "/staff/login")
        task = functools.partial(table_task, path=path, rows=rows)
        views = bench.measure(server, task, lead_in=SIGN_IN_LEAD)
        bench.stop(server)
        trivial = bench.measure_trivial()

        report(views, trivial, small, full, database=args.database, sizes=sizes)


if __name__ == "__main__":
    main()
