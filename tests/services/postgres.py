"""A throwaway PostgreSQL cluster from the machine's own binaries, for one test run.

Made with ``initdb`` in a temporary directory, listening on a free loopback port, durability off
(``fsync``, ``synchronous_commit``, ``full_page_writes``) because it lives for minutes. PostgreSQL
refuses to run as root, so as root the cluster runs as the ``postgres`` user that Debian's
packages create. Stdlib only: ``make test`` uses it before the project's packages matter.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PostgresNotFound", "ThrowawayPostgres", "find_bindir"]

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with "
    "`apt-get install postgresql` (make test does this when run as root), or point the tests at a "
    "server you run with SANDBOX_TEST_POSTGRES_URL=postgresql://user@host:port/postgres."
)


class PostgresNotFound(RuntimeError):
    pass


def find_bindir() -> Path:
    """The newest PostgreSQL ``bin`` directory: Debian's versioned ones first, then the PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name), reverse=True
    )
    if candidates:
        return Path(candidates[0]).parent
    if (initdb := shutil.which("initdb")) is not None:
        return Path(initdb).parent
    raise PostgresNotFound(INSTALL_HINT)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowawayPostgres:
    bindir: Path = field(default_factory=find_bindir)
    port: int = field(default_factory=_free_port)
    directory: Path | None = None
    _user: str | None = None

    @property
    def url(self) -> str:
        """Superuser URL of the maintenance database (psycopg form)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.directory / "server.log" if self.directory else None
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}{tail}")
        return result

    def start(self) -> ThrowawayPostgres:
        self.directory = Path(tempfile.mkdtemp(prefix="sandbox-test-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresNotFound("running as root needs the 'postgres' user; " + INSTALL_HINT) from exc
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self._user = "postgres"
        self._run("initdb", "-D", str(self.directory / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        self.resume()
        return self

    def resume(self) -> None:
        """Start the server on the existing cluster."""
        assert self.directory is not None
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-l", str(self.directory / "server.log"), "-o",
                  options, "-w", "-t", "60", "start")

    def pause(self) -> None:
        """Stop the server (fast shutdown: connections are cut), keeping the cluster for ``resume``."""
        assert self.directory is not None
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        if self.directory is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
