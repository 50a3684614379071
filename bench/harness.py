"""What the benchmarks share: a fresh database (SQLite, or a throwaway PostgreSQL server),
gunicorn with the same settings for the app and for the yardstick, the load generator (8
clients with http.client, as threads of one second process), latency percentiles, CPU
accounting with a busy-machine check, the trivial Flask page the app is compared with, and
SQL statement counting for page views.

A benchmark script gives the harness its own parts: how to fill the database, and a task
factory, `factory(port, client_id) -> task`, whose `task()` does one operation and raises on
anything unexpected. Factories must be module-level functions (or `functools.partial` of
one), since the clients run in a process of their own.
"""

import argparse
import http.client
import json
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
import zlib
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
WORKERS = 4
CLIENTS = 8
REQUEST_TIMEOUT = 60  # seconds; a request that takes longer is an error
# CPU cores that work outside the benchmark may take before the figures are flagged.
OTHER_LOAD_WARNING = 0.25
TRIVIAL_PAGE = "<!doctype html><html lang=sv><title>Ting</title><p>Hej!</p></html>"

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


def flask(env, *args):
    """`flask --app app ARGS` in the app's folder, with `env` (DATABASE_URL and the rest)."""
    return run([sys.executable, "-m", "flask", "--app", "app", *args], env)


def call(env, module, function, **kwargs):
    """`module.function(**kwargs)` in a new Python process with `env`, for the parts that load the
    app (setup, statement counts): the benchmark's own process never opens the database. The
    module is a file in bench/; the function's JSON-able result is returned."""
    code = (
        "import json, sys\n"
        f"sys.path[:0] = [{str(ROOT)!r}, {str(BENCH)!r}]\n"
        f"from {module} import {function} as function\n"
        "result = function(**json.loads(sys.argv[1]))\n"
        "print('\\n' + json.dumps(result))\n"
    )
    output = run([sys.executable, "-c", code, json.dumps(kwargs)], env)
    return json.loads(output.rstrip("\n").rsplit("\n", 1)[-1])


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

    def __init__(self, port, gzip=False):
        self.port = port
        self.cookies = {}
        # As browsers do: take gzip if the server offers it (pages are decompressed here).
        self.gzip = gzip

    def request(self, method, path, form=None):
        headers = {"User-Agent": "ting-bench", "Accept-Language": "sv"}
        if self.gzip:
            headers["Accept-Encoding"] = "gzip"
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
            content = response.read()
            if response.getheader("Content-Encoding") == "gzip":
                content = zlib.decompress(content, wbits=31)
            content = content.decode()
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


def trivial_task(port, client_id):
    browser = Browser(port)

    def fetch():
        response, page = browser.request("GET", "/")
        if response.status != 200 or page != TRIVIAL_PAGE:
            raise UnexpectedAnswer(f"GET /: {response.status}")

    return fetch


def client_loop(task_factory, port, client_id, start_at, measure_from, stop_at, results):
    """Run tasks back to back until `stop_at`; latencies count from `measure_from` on.
    Errors count during the warm-up too. The factory runs before the start (a sign-in, say)."""
    task = task_factory(port, client_id)
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


def _failed_factory(error):
    """A client whose factory raised (a refused sign-in, say): every operation is that error."""

    def task():
        raise error

    return task


def _client(task_factory, port, client_id, start_at, measure_from, stop_at, results):
    def factory(port, client_id):
        try:
            return task_factory(port, client_id)
        except Exception as error:
            return _failed_factory(error)

    client_loop(factory, port, client_id, start_at, measure_from, stop_at, results)


def run_load(task_factory, port, seconds, warmup, mode, lead_in=0.5):
    """Eight clients, as threads of one process apart from the server (or each its own process).
    `lead_in` is the time the clients get to start (and run their factories) before the warm-up."""
    start_at = time.time() + lead_in
    measure_from = start_at + warmup
    stop_at = measure_from + seconds
    if mode == "threads":
        # All clients as threads of one separate process.
        results = multiprocessing.Queue()
        process = multiprocessing.Process(
            target=_threaded_clients, args=(task_factory, port, start_at, measure_from, stop_at, results)
        )
        process.start()
        reports = [results.get(timeout=_patience(stop_at)) for _ in range(CLIENTS)]
        process.join()
    else:
        results = multiprocessing.Queue()
        processes = [
            multiprocessing.Process(
                target=_client, args=(task_factory, port, client, start_at, measure_from, stop_at, results)
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


def _threaded_clients(task_factory, port, start_at, measure_from, stop_at, results):
    threads = [
        threading.Thread(target=_client, args=(task_factory, port, client, start_at, measure_from, stop_at, results))
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


def measure(server, task_factory, seconds, warmup, mode, database_pid=None, lead_in=0.5):
    """One phase, with the CPU it cost: the server's, the clients', and what other work on
    the machine took meanwhile (a busy machine makes the figures worthless)."""

    def cpu():
        database = tree_cpu_seconds(database_pid) if database_pid else 0.0
        return tree_cpu_seconds(server.process.pid), database, machine_busy_seconds(), time.monotonic()

    server_before, database_before, machine_before, began = cpu()
    figures = run_load(task_factory, server.port, seconds, warmup, mode, lead_in)
    server_after, database_after, machine_after, ended = cpu()
    operations = max(figures["operations"], 1)
    server_cpu = server_after - server_before
    database_cpu = database_after - database_before
    figures["server_cpu_ms"] = server_cpu * 1000 / operations
    figures["database_cpu_ms"] = database_cpu * 1000 / operations
    others = (machine_after - machine_before) - server_cpu - database_cpu - figures["client_cpu"]
    figures["other_load_cores"] = max(others, 0.0) / (ended - began)
    return figures


# --------------------------------------------------------------------------- SQL statements per view


@contextmanager
def counting_statements(app):
    """A list that gets the SQL statements sent through the app's engine inside the block.
    BEGIN is left out: SQLite gets it as a statement (`database.py`), psycopg sends it itself."""
    from sqlalchemy import event

    from conference.extensions import db

    with app.app_context():
        engine = db.engine
    statements = []

    def listener(connection, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def statements_per_view(app, client, path, views=5, check=None, headers=None):
    """Statements per view of `path`, for `views` views in a row with the test client `client`.
    `check(response)` raises when the page is not what it should be."""
    counts = []
    for _ in range(views):
        with counting_statements(app) as statements:
            response = client.get(path, headers=headers)
        if response.status_code != 200:
            sys.exit(f"GET {path}: {response.status_code}\n{response.get_data(as_text=True)[-3000:]}")
        if check is not None:
            check(response)
        counts.append(len(statements))
    return counts


# --------------------------------------------------------------------------- the run


def page_text(response):
    """The text of a test client's response, gzip or not."""
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = zlib.decompress(body, wbits=31)
    return body.decode()


def uncompiled_catalogues():
    """Catalogues whose .mo is missing or older than the .po: pages would be served untranslated."""
    return [
        po
        for po in sorted((ROOT / "conference" / "translations").glob("*/LC_MESSAGES/messages.po"))
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]


def arguments(description):
    """The options every benchmark takes, and BENCH_SECONDS (seconds per phase, default 20)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("BENCH_DATABASE", "sqlite"),
        help="database engine for the app (default: sqlite, or $BENCH_DATABASE)",
    )
    parser.add_argument(
        "--clients",
        choices=("processes", "threads"),
        default=os.environ.get("BENCH_CLIENTS", "threads"),
        help="run the 8 clients as threads of one process (default, as the issues specify) or as 8 processes",
    )
    args = parser.parse_args()
    args.seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    args.warmup = min(2.0, args.seconds / 5)
    return args


class BenchRun:
    """A temporary folder, the app's environment and database(s), and the servers of one run;
    all of it is stopped and removed on leaving the `with` block.

        with BenchRun(args) as bench:
            env = bench.database()          # a fresh, migrated database with the reference lists
            ...fill it...
            bench.announce()
            server = bench.serve("app:app", env, "/ready/path")
            figures = bench.measure(server, task_factory)
            bench.stop(server)
            trivial = bench.measure_trivial()
    """

    def __init__(self, args):
        self.args = args
        self.workdir = None
        self.postgres = None
        self.database_pid = None
        self.servers = []
        self.databases = 0

    def __enter__(self):
        self.workdir = Path(tempfile.mkdtemp(prefix="ting-bench-"))
        env = {key: value for key, value in os.environ.items() if not key.startswith("MAIL_")}
        env |= {
            "SECRET_KEY": "bench-" + secrets.token_hex(16),
            "RATELIMIT_ENABLED": "false",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.env = env
        try:
            if self.args.database == "postgresql":
                sys.path.insert(0, str(ROOT))
                from tests.support.postgres import PostgresServer

                self.postgres = PostgresServer().start()
                self.database_pid = int((self.postgres.data / "postmaster.pid").read_text().split()[0])
            (self.workdir / "trivial_app.py").write_text(TRIVIAL_APP)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info):
        for server in self.servers:
            server.stop()
        self.servers.clear()
        if self.postgres is not None:
            self.postgres.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def database(self, name="ting_bench"):
        """The environment of a new database `name`: `flask db upgrade` and `flask reference seed` done."""
        env = dict(self.env)
        if self.postgres is not None:
            self.postgres.execute(f"CREATE DATABASE {name}")
            env["DATABASE_URL"] = self.postgres.url(name)
        else:
            env["DATABASE_URL"] = f"sqlite:///{self.workdir / (name + '.db')}"
        flask(env, "db", "upgrade")
        flask(env, "reference", "seed")
        return env

    def announce(self):
        """The settings line, and a warning when the catalogues are not compiled."""
        args = self.args
        print(
            f"database: {args.database}; gunicorn -w {WORKERS} sync on 127.0.0.1; {CLIENTS} clients as {args.clients};"
            f" {args.seconds:g} s per phase after {args.warmup:g} s warm-up; {os.cpu_count()} CPUs",
            flush=True,
        )
        if stale := uncompiled_catalogues():
            names = ", ".join(str(po.relative_to(ROOT)) for po in stale)
            print(f"warning: not compiled ({names}); run `make translations` for figures as deployed", flush=True)

    def serve(self, app_spec, env, ready_path, cwd=ROOT, log_name="gunicorn-app.log"):
        server = Gunicorn(app_spec, env, cwd, self.workdir / log_name)
        self.servers.append(server)
        server.wait_until_ready(ready_path)
        return server

    def stop(self, server):
        server.stop()
        self.servers.remove(server)

    def measure(self, server, task_factory, lead_in=0.5):
        args = self.args
        return measure(server, task_factory, args.seconds, args.warmup, args.clients, self.database_pid, lead_in)

    def measure_trivial(self):
        """The yardstick: the trivial page, same gunicorn settings and the same clients."""
        server = self.serve("trivial_app:app", self.env, "/", cwd=self.workdir, log_name="gunicorn-trivial.log")
        args = self.args
        figures = measure(server, trivial_task, args.seconds, args.warmup, args.clients)
        self.stop(server)
        return figures


def print_problems(phases):
    """First errors of each phase ({name: figures}), and a warning when the machine was busy."""
    for name, figures in phases.items():
        if figures["first_error"]:
            print(f"{name}_first_error: {figures['first_error']}")
    busiest = max(figures["other_load_cores"] for figures in phases.values())
    if busiest > OTHER_LOAD_WARNING:
        print(
            f"warning: other work on this machine used up to {busiest:.2f} CPU cores during the run;"
            " run again on a quiet machine for figures worth keeping"
        )


def print_trivial(trivial):
    print(f"trivial_requests_per_s: {trivial['rate']:.1f}")
    print(f"trivial_p50_ms: {trivial['p50_ms']:.1f}")
    print(f"trivial_p95_ms: {trivial['p95_ms']:.1f}")
    print(f"trivial_errors: {trivial['errors']}")
    print(f"server_cpu_ms_per_trivial: {trivial['server_cpu_ms']:.2f}")
    print(f"client_cpu_ms_per_trivial: {trivial['client_cpu_ms']:.2f}")
