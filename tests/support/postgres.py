"""A throwaway PostgreSQL server for the tests, from the machine's PostgreSQL binaries."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(Exception):
    pass


def _binary_dir():
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise PostgresUnavailable("no PostgreSQL server binaries (initdb) found; install the 'postgresql' package")
    return Path(candidates[-1]).parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl in a temporary folder, listening on 127.0.0.1 only, trust auth."""

    def __init__(self):
        self.bin = _binary_dir()
        self.port = free_port()
        self.run_as = None
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root; Debian's package creates the 'postgres' user.
            try:
                pwd.getpwnam("postgres")
            except KeyError as error:
                raise PostgresUnavailable(
                    "running as root and there is no 'postgres' user to run the server"
                ) from error
            self.run_as = "postgres"
        self.directory = Path(tempfile.mkdtemp(prefix="ting-pg-"))
        self.data = self.directory / "data"

    def _run(self, *args):
        command = [str(a) for a in args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self):
        if self.run_as:
            shutil.chown(self.directory, user=self.run_as)
        try:
            self._run(
                self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"
            )
            options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -F -c max_connections=200"
            self._run(
                self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.directory / "server.log", "-w", "start"
            )
        except subprocess.CalledProcessError as error:
            raise PostgresUnavailable(f"PostgreSQL did not start: {error.stderr.strip()[-500:]}") from error
        return self

    def url(self, database="postgres"):
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql):
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(sql)

    def stop(self):
        try:
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
