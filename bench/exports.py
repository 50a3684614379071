"""Participant-list downloads of 10,000 registrations, against writing the same rows with the
csv module straight from one SQL query.

    .venv/bin/python bench/exports.py                        # SQLite (default)
    .venv/bin/python bench/exports.py --database postgresql  # throwaway PostgreSQL server

The script fills a fresh database in a temporary folder with the event of bench/dataset.py
(200 sessions, 10,000 confirmed registrations with 8 session choices each) and an organiser
account. It serves the app with gunicorn (4 sync workers, 127.0.0.1); one client signs in and
downloads the list of all sectors, CSV and XLSX, through the real endpoint
(`/staff/events/<id>/participants/download?format=...`), EXPORT_RUNS times each, and checks
that every download holds 10,000 rows. The yardstick runs in a separate process in the same
run: one SQL query for the same rows (sessions joined in by aggregation) written with
csv.writer to a buffer, timed the same number of times. The peak memory of an export is
measured in a process of its own with tracemalloc, around one in-process request with the
Flask test client (the larger of CSV and XLSX). Times are medians. The last lines are
`csv_ratio: X` (target ≤ 2), `xlsx_ratio: Y` (target ≤ 8) and `peak_mb: Z`.
"""

import http.client
import io
import statistics
import time
import zipfile

from dataset import FULL
from harness import BenchRun, Browser, UnexpectedAnswer, arguments, call, flask, hidden_value

SLUG = "bench"
EMAIL = "organisator@example.se"
PASSWORD = "korrekt häst batteri häftklammer"
EXPORT_RUNS = 5


def download_path(event_id, kind):
    return f"/staff/events/{event_id}/participants/download?format={kind}"


def sign_in(browser):
    response, page = browser.request("GET", "/staff/login")
    form = {"csrf_token": hidden_value(page, "csrf_token"), "email": EMAIL, "password": PASSWORD}
    response, _ = browser.request("POST", "/staff/login", form)
    if response.status != 303:
        raise UnexpectedAnswer(f"POST /staff/login: {response.status}")


class BinaryBrowser(Browser):
    """The harness's visitor, keeping the body as bytes (an XLSX is no text)."""

    def download(self, path):
        headers = {"User-Agent": "ting-bench", "Accept-Language": "sv"}
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise UnexpectedAnswer(f"GET {path}: {response.status}")
        return body


def check_rows(kind, body, expected):
    if kind == "csv":
        rows = body.decode("utf-8-sig").count("\r\n") - 1
    else:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
            rows = sum(archive.read(name).count(b"<row") - 1 for name in sheets)
    if rows != expected:
        raise UnexpectedAnswer(f"the {kind} holds {rows} rows instead of {expected}")


def time_endpoint(port, event_id, kind, expected):
    browser = BinaryBrowser(port)
    sign_in(browser)
    browser.download(download_path(event_id, kind))  # warm: templates, catalogues, caches
    times = []
    for _ in range(EXPORT_RUNS):
        began = time.perf_counter()
        body = browser.download(download_path(event_id, kind))
        times.append(time.perf_counter() - began)
        check_rows(kind, body, expected)
    return statistics.median(times)


def baseline(event_id, runs):
    """The yardstick (run by `call`, in a process of its own): one SQL query for the same rows,
    written with csv.writer. Returns the median seconds."""
    import csv

    from sqlalchemy import func

    from conference import create_app
    from conference.extensions import db
    from conference.programme.models import ChoiceStatus, Session, SessionChoice
    from conference.reference.models import Municipality, Sector
    from conference.registration.models import Registration, RegistrationStatus

    app = create_app()
    sessions = (
        db.select(func.aggregate_strings(Session.title, "; "))
        .join(SessionChoice, SessionChoice.session_id == Session.id)
        .where(SessionChoice.registration_id == Registration.id, SessionChoice.status == ChoiceStatus.CONFIRMED)
        .scalar_subquery()
    )
    query = (
        db.select(
            Registration.first_name,
            Registration.last_name,
            Registration.organisation,
            Registration.role_title,
            Sector.name_sv,
            Municipality.name,
            sessions,
            Registration.email,
            Registration.checked_in_at,
            Registration.status,
            Registration.phone,
            Registration.language,
            Registration.dietary_needs,
            Registration.accessibility_needs,
            Registration.consent_sector_list_at,
            Registration.consent_public_list_at,
            Registration.consent_mailings_at,
            Registration.consent_wording_version,
            Registration.created_at,
        )
        .join(Sector, Sector.id == Registration.sector_id)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .where(Registration.event_id == event_id, Registration.status != RegistrationStatus.CANCELLED)
        .order_by(Sector.sort_order, Registration.last_name, Registration.first_name, Registration.id)
    )
    times = []
    with app.app_context():
        for _ in range(runs + 1):
            began = time.perf_counter()
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";")
            writer.writerows(db.session.execute(query))
            times.append(time.perf_counter() - began)
            db.session.rollback()
    return statistics.median(times[1:])


def peak_memory(event_id):
    """The peak of Python allocations (MB) during one CSV and one XLSX download, in-process
    with the Flask test client (run by `call`)."""
    import tracemalloc

    from conference import create_app

    app = create_app()
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    client.post(
        "/staff/login", data={"csrf_token": hidden_value(page, "csrf_token"), "email": EMAIL, "password": PASSWORD}
    )
    peaks = {}
    for kind in ("csv", "xlsx"):
        client.get(download_path(event_id, kind)).get_data()  # warm
        tracemalloc.start()
        response = client.get(download_path(event_id, kind))
        for _chunk in response.response:
            pass
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peaks[kind] = peak / 2**20
    return peaks


def main():
    args = arguments(__doc__)
    with BenchRun(args) as bench:
        env = bench.database()
        seeded = call(env, "dataset", "seed_event", slug=SLUG, **FULL)
        flask(env, "users", "create", "--role", "organiser", EMAIL, "--password", PASSWORD)
        event_id, rows = seeded["event_id"], seeded["registrations"]
        print(
            f"database: {args.database}; gunicorn -w 4 sync on 127.0.0.1; one client; {EXPORT_RUNS} downloads per format"
        )

        server = bench.serve("app:app", env, "/staff/login")
        csv_seconds = time_endpoint(server.port, event_id, "csv", rows)
        xlsx_seconds = time_endpoint(server.port, event_id, "xlsx", rows)
        bench.stop(server)
        baseline_seconds = call(env, "exports", "baseline", event_id=event_id, runs=EXPORT_RUNS)
        peaks = call(env, "exports", "peak_memory", event_id=event_id)

        print(f"registrations: {rows}")
        print(f"baseline_csv_ms: {baseline_seconds * 1000:.1f}")
        print(f"csv_ms: {csv_seconds * 1000:.1f}")
        print(f"xlsx_ms: {xlsx_seconds * 1000:.1f}")
        print(f"csv_peak_mb: {peaks['csv']:.1f}")
        print(f"xlsx_peak_mb: {peaks['xlsx']:.1f}")
        print(f"csv_ratio: {csv_seconds / baseline_seconds:.2f}")
        print(f"xlsx_ratio: {xlsx_seconds / baseline_seconds:.2f}")
        print(f"peak_mb: {max(peaks.values()):.1f}")


if __name__ == "__main__":
    main()
