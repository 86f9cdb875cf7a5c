"""A throwaway Mosquitto with dynamic security and persistence, for one test run.

Started from the machine's ``mosquitto`` binary (Debian's package carries the dynamic-security
plugin) on a free loopback port; it can be stopped, killed and started again on the same data
directory, which is what the fault tests do.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MosquittoNotFound", "ThrowawayMosquitto"]

INSTALL_HINT = (
    "Mosquitto was not found. Install it with `apt-get install mosquitto` (make test does this when run "
    "as root)."
)
PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"


class MosquittoNotFound(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowawayMosquitto:
    port: int = field(default_factory=_free_port)
    admin_username: str = "sandbox-admin"
    admin_password: str = "admin-secret-for-tests"
    directory: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    def _prepare(self) -> None:
        from sandbox.telemetry.broker.mosquitto import render_config

        binary, ctrl = shutil.which("mosquitto") or "/usr/sbin/mosquitto", shutil.which("mosquitto_ctrl")
        if not Path(binary).exists() or ctrl is None or not Path(PLUGIN).exists():
            raise MosquittoNotFound(INSTALL_HINT)
        self.directory = Path(tempfile.mkdtemp(prefix="sandbox-test-mqtt-"))
        data = self.directory / "data"
        data.mkdir()
        (self.directory / "mosquitto.conf").write_text(
            render_config(port=self.port, bind="127.0.0.1", data_dir=str(data), plugin=PLUGIN,
                          log_file=str(self.directory / "mosquitto.log"))
        )
        subprocess.run([ctrl, "dynsec", "init", str(data / "dynamic-security.json"), self.admin_username,
                        self.admin_password], check=True, capture_output=True)
        if os.geteuid() == 0:  # mosquitto drops root for the 'mosquitto' user, which must own its files
            owner = pwd.getpwnam("mosquitto")
            for path in (self.directory, data, *data.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)

    def start(self) -> ThrowawayMosquitto:
        if self.directory is None:
            self._prepare()
        assert self.directory is not None
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.directory / "mosquitto.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"mosquitto exited: {self.log()}") from None
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.directory / "mosquitto.log" if self.directory else None
        return path.read_text()[-3000:] if path and path.exists() else ""

    def stop(self, *, hard: bool = False) -> None:
        """SIGTERM lets Mosquitto save its persistent state; ``hard`` (SIGKILL) does not."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
