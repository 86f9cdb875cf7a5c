"""`sandbox demo` as a newcomer runs it: the trials' past is simulated, the service comes up and the demo
drones' telemetry arrives live."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.e2e.test_serve import SANDBOX, free_port, wait_until_up


def test_the_demo_simulates_the_trials_past_then_the_drones_publish_live(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SANDBOX_DATA_DIR": str(tmp_path), "SANDBOX_PASSWORD_HASHING": "fast", "LANG": "en_US.UTF-8",
           "SANDBOX_PORT": str(port), "SANDBOX_EMBEDDED_MQTT_PORT": str(free_port())}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([SANDBOX, "demo", "--days", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, timeout_s=240)  # the past day is simulated first
        headers = _log_in(base, "uav@baymekong.demo")
        trial = next(t for t in httpx.get(base + "/api/v1/trials", headers=headers).json()["items"]
                     if t["state"] == "active")
        first = _latest(base, trial["id"], headers)
        time.sleep(2.5)
        later = _latest(base, trial["id"], headers)
        assert {d["serial"] for d in later} == {"MF-A30-0001", "MF-A30-0002"}
        for before, after in zip(first, later, strict=True):
            assert after["sample"]["seq"] >= before["sample"]["seq"] + 10  # ten samples a second, still coming
            moment = datetime.fromisoformat(after["sample"]["time"])
            assert moment.utcoffset() == timedelta(hours=7)  # shown in Asia/Ho_Chi_Minh
            assert after["status"]["online"] is True
        dead = httpx.get(base + f"/api/v1/trials/{trial['id']}/dead-letters", headers=headers).json()
        assert dead["total"] == 0
        camera = _log_in(base, "camera@taydo-ai.demo")
        [watching] = httpx.get(base + "/api/v1/trials", headers=camera).json()["items"]
        assert watching["state"] == "active"  # and its past day is in: the camera watches day and night
        latest = httpx.get(base + f"/api/v1/trials/{watching['id']}/telemetry/latest", headers=camera).json()
        assert sorted(seen["serial"] for seen in latest) == ["TV-T2-0001", "TV-T2-0002"]  # and the control junction's
        for seen in latest:
            assert seen["sample"]["fps"] > 0
            age = datetime.now(UTC) - datetime.fromisoformat(seen["sample"]["time"])
            assert timedelta(0) <= age < timedelta(minutes=15)  # simulated up to the minute the service opened
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert re.search(r"drones of SB-\d{4}-\d{4} are publishing live", output), output
    assert "Simulating 1 day of the trials" in output and "NKC-0001" in output


def _log_in(base: str, email: str) -> dict[str, str]:
    token = httpx.post(base + "/api/v1/auth/token", json={"email": email, "password": "sandbox-demo-2026"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _latest(base: str, trial_id: str, headers: dict[str, str], timeout_s: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        devices = httpx.get(base + f"/api/v1/trials/{trial_id}/telemetry/latest", headers=headers).json()
        if devices and all(d["sample"] for d in devices):
            return sorted(devices, key=lambda d: d["serial"])
        time.sleep(0.2)
    raise AssertionError("no live samples from the demo drones")
