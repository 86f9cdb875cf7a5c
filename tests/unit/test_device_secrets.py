"""A device's MQTT password can be typed after an option on any command line."""

from __future__ import annotations

from sandbox.config import load_settings
from sandbox.trials.devices import SECRET_BYTES, _new_secret


def test_no_secret_starts_with_a_dash(tmp_path) -> None:
    settings = load_settings({"SANDBOX_DATA_DIR": str(tmp_path), "SANDBOX_PASSWORD_HASHING": "fast"})
    made = [_new_secret(settings)[0] for _ in range(1500)]  # one in 64 did: this run would see ~23 of them
    assert not [secret for secret in made if secret.startswith("-")]
    assert len(set(made)) == len(made) and all(len(secret) == SECRET_BYTES * 4 // 3 for secret in made)
