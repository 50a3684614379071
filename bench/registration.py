"""Throughput of complete public registrations, against a trivial Flask page as yardstick.

    .venv/bin/python bench/registration.py                        # SQLite (default)
    .venv/bin/python bench/registration.py --database postgresql  # throwaway PostgreSQL server
    BENCH_SECONDS=5 .venv/bin/python bench/registration.py        # a quick try

The script prepares a fresh database in a temporary folder (migrations, reference lists and
one published event without a capacity limit), starts the app under gunicorn with 4 sync
workers on 127.0.0.1, and from separate client processes runs complete registrations as a
browser would: GET the form, then POST it back with its CSRF token, its submission key, the
session cookie and unique data. The registration is complete at the 303 answer; the redirect
is not followed. With the same gunicorn settings and the same load generator it then measures
a trivial Flask page served from a throwaway module, and prints the ratio of the two rates.
Only 127.0.0.1 is contacted. The last two lines are `ratio: X` and `errors: N`.
"""

import argparse
import http.client
import math
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
CLIENTS = 8
SLUG = "bench"
REQUEST_TIMEOUT = 60  # seconds; a request that takes longer is an error
# CPU cores that work outside the benchmark may take before the figures are flagged.
OTHER_LOAD_WARNING = 0.25
TRIVIAL_PAGE = "<!doctype html><html lang=sv><title>Ting</title><p>Hej!</p></html>"

SETUP_EVENT = """
from datetime import timedelta
from conference import create_app
from conference.database import transaction, utcnow
from conference.events.models import Event, EventStatus

app = create_app()
now = utcnow()
with app.app_context(), transaction() as session:
    session.add(Event(
        slug={slug!r}, title="Belastningstinget", venue="Folkets hus",
        address="Barnhusgatan 12, Stockholm", contact_email="tinget@example.se",
        starts_at=now + timedelta(days=21), ends_at=now + timedelta(days=21, hours=7),
        status=EventStatus.PUBLISHED, capacity=None, waitlist_enabled=True,
    ))
"""

TRIVIAL_APP = f"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return {TRIVIAL_PAGE!r}
"""

HIDDEN_INPUT = r'<input[^>]*\bname="{name}"[^>]*>'
VALUE = re.compile(r'\bvalue="([^"]*)"')
SELECT = r'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>'
OPTION_VALUE = re.compile(r'<option[^>]*\bvalue="(\d+)"')


# --------------------------------------------------------------------------- helpers


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command, env, **kwargs):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def process_cpu_seconds(pid):
    """User + system CPU time of one process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root_pid):
    """CPU time of a process and of its living descendants (gunicorn workers, PostgreSQL backends)."""
    total, pending = 0.0, [root_pid]
    while pending:
        pid = pending.pop()
        total += process_cpu_seconds(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def machine_busy_seconds():
    """CPU time spent by the whole machine, all cores, anyone's work (from /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Gunicorn:
    """`gunicorn -w 4 -b 127.0.0.1:PORT module:app`, the same settings for both measurements."""

    def __init__(self, app_spec, env, cwd, log_path):
        self.port = free_port()
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}", app_spec]
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def fail(self, reason):
        self.log.flush()
        log = Path(self.log.name).read_text()[-3000:]
        sys.exit(f"gunicorn {reason}; its log ends:\n{log}")

    def wait_until_ready(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail("exited early")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path)
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.fail(f"did not answer {path} with 200 within {timeout} s")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --------------------------------------------------------------------------- load generator


class UnexpectedAnswer(Exception):
    pass


class Browser:
    """One visitor: a fresh connection per request (gunicorn's sync workers close each one
    anyway), and the cookies the server set, sent back as a browser would."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, form=None):
        headers = {"User-Agent": "ting-bench", "Accept-Language": "sv"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode()
            for cookie in response.headers.get_all("Set-Cookie") or ():
                name, _, value = cookie.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            return response, content
        finally:
            connection.close()


def hidden_value(page, name):
    tag = re.search(HIDDEN_INPUT.format(name=name), page)
    value = VALUE.search(tag.group(0)) if tag else None
    if not value or not value.group(1):
        raise UnexpectedAnswer(f"the form has no {name}")
    return value.group(1)


def select_values(page, name):
    select = re.search(SELECT.format(name=name), page, re.S)
    values = OPTION_VALUE.findall(select.group(1)) if select else []
    if not values:
        raise UnexpectedAnswer(f"the form has no choices for {name}")
    return values


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


def trivial_task(port, client_id):
    browser = Browser(port)

    def fetch():
        response, page = browser.request("GET", "/")
        if response.status != 200 or page != TRIVIAL_PAGE:
            raise UnexpectedAnswer(f"GET /: {response.status}")

    return fetch


TASKS = {"registration": registration_task, "trivial": trivial_task}


def client_loop(kind, port, client_id, start_at, measure_from, stop_at, results):
    """Run tasks back to back until `stop_at`; latencies count from `measure_from` on.
    Errors count during the warm-up too."""
    task = TASKS[kind](port, client_id)
    latencies, errors, operations, first_error = [], 0, 0, None
    cpu_before = time.process_time()
    while time.time() < start_at:
        time.sleep(0.001)
    while True:
        began = time.time()
        if began >= stop_at:
            break
        try:
            task()
        except Exception as error:  # every failure counts, whatever it is
            errors += 1
            first_error = first_error or repr(error)
        else:
            if began >= measure_from:
                latencies.append((began, time.time()))
        operations += 1
    results.put(
        {
            "latencies": latencies,
            "errors": errors,
            "operations": operations,
            "first_error": first_error,
            "cpu": time.process_time() - cpu_before,
        }
    )


def run_load(kind, port, seconds, warmup, mode):
    """Eight clients, each its own process (or thread), from a process apart from the server."""
    start_at = time.time() + 0.5
    measure_from = start_at + warmup
    stop_at = measure_from + seconds
    if mode == "threads":
        # All clients as threads of one separate process.
        results = multiprocessing.Queue()
        process = multiprocessing.Process(
            target=_threaded_clients, args=(kind, port, start_at, measure_from, stop_at, results)
        )
        process.start()
        reports = [results.get(timeout=_patience(stop_at)) for _ in range(CLIENTS)]
        process.join()
    else:
        results = multiprocessing.Queue()
        processes = [
            multiprocessing.Process(
                target=client_loop, args=(kind, port, client, start_at, measure_from, stop_at, results)
            )
            for client in range(CLIENTS)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=_patience(stop_at)) for _ in processes]
        for process in processes:
            process.join()
    return summarise(reports, measure_from, mode)


def _patience(stop_at):
    """How long to wait for a client's report: its last request may take up to two timeouts."""
    return max(stop_at - time.time(), 0) + 2 * REQUEST_TIMEOUT + 10


def _threaded_clients(kind, port, start_at, measure_from, stop_at, results):
    threads = [
        threading.Thread(target=client_loop, args=(kind, port, client, start_at, measure_from, stop_at, results))
        for client in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def summarise(reports, measure_from, mode):
    spans = [span for report in reports for span in report["latencies"]]
    durations = sorted(finished - began for began, finished in spans)
    elapsed = max(finished for _, finished in spans) - measure_from if spans else float("inf")
    operations = sum(report["operations"] for report in reports)
    # Thread clients each report the CPU of their whole process: take it once.
    client_cpu = reports[0]["cpu"] if mode == "threads" else sum(report["cpu"] for report in reports)
    return {
        "rate": len(durations) / elapsed,
        "p50_ms": percentile(durations, 50) * 1000,
        "p95_ms": percentile(durations, 95) * 1000,
        "errors": sum(report["errors"] for report in reports),
        "first_error": next((r["first_error"] for r in reports if r["first_error"]), None),
        "operations": operations,
        "client_cpu": client_cpu,
        "client_cpu_ms": client_cpu * 1000 / max(operations, 1),
    }


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = math.ceil(p / 100 * len(sorted_values))  # nearest-rank percentile
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def measure(server, kind, seconds, warmup, mode, database_pid=None):
    """One phase, with the CPU it cost: the server's, the clients', and what other work on
    the machine took meanwhile (a busy machine makes the figures worthless)."""

    def cpu():
        database = tree_cpu_seconds(database_pid) if database_pid else 0.0
        return tree_cpu_seconds(server.process.pid), database, machine_busy_seconds(), time.monotonic()

    server_before, database_before, machine_before, began = cpu()
    figures = run_load(kind, server.port, seconds, warmup, mode)
    server_after, database_after, machine_after, ended = cpu()
    operations = max(figures["operations"], 1)
    server_cpu = server_after - server_before
    database_cpu = database_after - database_before
    figures["server_cpu_ms"] = server_cpu * 1000 / operations
    figures["database_cpu_ms"] = database_cpu * 1000 / operations
    others = (machine_after - machine_before) - server_cpu - database_cpu - figures["client_cpu"]
    figures["other_load_cores"] = max(others, 0.0) / (ended - began)
    return figures


# --------------------------------------------------------------------------- the run


def uncompiled_catalogues():
    """Catalogues whose .mo is missing or older than the .po: pages would be served untranslated."""
    return [
        po
        for po in sorted((ROOT / "conference" / "translations").glob("*/LC_MESSAGES/messages.po"))
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]


def prepare_database(env):
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    run([*flask, "db", "upgrade"], env)
    run([*flask, "reference", "seed"], env)
    run([sys.executable, "-c", SETUP_EVENT.format(slug=SLUG)], env)


def report(registration, trivial, *, database):
    for name, figures in (("registration", registration), ("trivial", trivial)):
        if figures["first_error"]:
            print(f"{name}_first_error: {figures['first_error']}")
    busiest = max(registration["other_load_cores"], trivial["other_load_cores"])
    if busiest > OTHER_LOAD_WARNING:
        print(
            f"warning: other work on this machine used up to {busiest:.2f} CPU cores during the run;"
            " run again on a quiet machine for figures worth keeping"
        )
    print(f"registrations_per_s: {registration['rate']:.1f}")
    print(f"p50_ms: {registration['p50_ms']:.1f}")
    print(f"p95_ms: {registration['p95_ms']:.1f}")
    print(f"registration_errors: {registration['errors']}")
    print(f"server_cpu_ms_per_registration: {registration['server_cpu_ms']:.1f}")
    if database == "postgresql":
        print(f"postgresql_cpu_ms_per_registration: {registration['database_cpu_ms']:.1f}")
    print(f"client_cpu_ms_per_registration: {registration['client_cpu_ms']:.1f}")
    print(f"trivial_requests_per_s: {trivial['rate']:.1f}")
    print(f"trivial_p50_ms: {trivial['p50_ms']:.1f}")
    print(f"trivial_p95_ms: {trivial['p95_ms']:.1f}")
    print(f"trivial_errors: {trivial['errors']}")
    print(f"server_cpu_ms_per_trivial: {trivial['server_cpu_ms']:.2f}")
    print(f"client_cpu_ms_per_trivial: {trivial['client_cpu_ms']:.2f}")
    print(f"other_load_cores: {registration['other_load_cores']:.2f} / {trivial['other_load_cores']:.2f}")
    ratio = registration["rate"] / trivial["rate"] if trivial["rate"] else 0.0
    print(f"ratio_unrounded: {ratio:.4f}")
    print(f"ratio: {ratio:.2f}")
    print(f"errors: {registration['errors'] + trivial['errors']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("BENCH_DATABASE", "sqlite"),
        help="database engine for the app (default: sqlite, or $BENCH_DATABASE)",
    )
    parser.add_argument(
        "--clients",
        choices=("processes", "threads"),
        default=os.environ.get("BENCH_CLIENTS", "processes"),
        help="run the 8 clients as 8 processes (default) or as 8 threads of one process",
    )
    args = parser.parse_args()
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    warmup = min(2.0, seconds / 5)

    workdir = Path(tempfile.mkdtemp(prefix="ting-bench-"))
    postgres = None
    servers = []
    try:
        env = {key: value for key, value in os.environ.items() if not key.startswith("MAIL_")}
        env |= {
            "SECRET_KEY": "bench-" + secrets.token_hex(16),
            "RATELIMIT_ENABLED": "false",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if args.database == "postgresql":
            sys.path.insert(0, str(ROOT))
            from tests.support.postgres import PostgresServer

            postgres = PostgresServer().start()
            postgres.execute("CREATE DATABASE ting_bench")
            env["DATABASE_URL"] = postgres.url("ting_bench")
        else:
            env["DATABASE_URL"] = f"sqlite:///{workdir / 'ting.db'}"
        prepare_database(env)
        (workdir / "trivial_app.py").write_text(TRIVIAL_APP)

        print(
            f"database: {args.database}; gunicorn -w {WORKERS} sync on 127.0.0.1; {CLIENTS} clients as {args.clients};"
            f" {seconds:g} s per phase after {warmup:g} s warm-up; {os.cpu_count()} CPUs",
            flush=True,
        )
        if stale := uncompiled_catalogues():
            names = ", ".join(str(po.relative_to(ROOT)) for po in stale)
            print(f"warning: not compiled ({names}); run `make translations` for figures as deployed", flush=True)

        database_pid = None
        if postgres is not None:
            database_pid = int((postgres.data / "postmaster.pid").read_text().split()[0])

        app_server = Gunicorn("app:app", env, ROOT, workdir / "gunicorn-app.log")
        servers.append(app_server)
        app_server.wait_until_ready(f"/events/{SLUG}/register")
        registration = measure(app_server, "registration", seconds, warmup, args.clients, database_pid)
        app_server.stop()
        servers.remove(app_server)

        trivial_server = Gunicorn("trivial_app:app", env, workdir, workdir / "gunicorn-trivial.log")
        servers.append(trivial_server)
        trivial_server.wait_until_ready("/")
        trivial = measure(trivial_server, "trivial", seconds, warmup, args.clients)
        trivial_server.stop()
        servers.remove(trivial_server)

        report(registration, trivial, database=args.database)
    finally:
        for server in servers:
            server.stop()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
