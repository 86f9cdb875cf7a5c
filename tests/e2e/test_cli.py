"""The `sandbox` command as an operator runs it: a real process against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from sandbox.db import make_engine
from sandbox.db.migrate import current_revision, head_revision

SANDBOX = str(Path(sys.executable).parent / "sandbox")


def run(*args: str, database_url: str | None, tmp_path: Path, stdin: str = "", language: str = "en_US.UTF-8",
        **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": language,
        "SANDBOX_DATA_DIR": str(tmp_path / "data"), "SANDBOX_PASSWORD_HASHING": "fast", **env,
    }
    if database_url:
        environment["DATABASE_URL"] = database_url
    return subprocess.run([SANDBOX, *args], input=stdin, capture_output=True, text=True, env=environment, timeout=120)


def test_db_upgrade_builds_the_schema_on_an_empty_database(empty_database_url: str, tmp_path: Path) -> None:
    result = run("db", "upgrade", database_url=empty_database_url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert current_revision(empty_database_url) == head_revision()
    again = run("db", "current", database_url=empty_database_url, tmp_path=tmp_path)
    assert again.stdout.strip() == f"{head_revision()} (head {head_revision()})"


def test_the_first_administrator_is_created_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    result = run("user", "create", "--email", "Admin@SKHCN.test", "--name", "Quản trị", "--role", "admin",
                 "--password-stdin", database_url=database_url, tmp_path=tmp_path, stdin="a long enough password\n")
    assert result.returncode == 0, result.stderr
    assert "Created admin admin@skhcn.test" in result.stdout
    duplicate = run("user", "create", "--email", "admin@skhcn.test", "--name", "X", "--role", "admin",
                    "--password-stdin", database_url=database_url, tmp_path=tmp_path, stdin="a long enough password\n")
    assert duplicate.returncode == 1 and "already in use" in duplicate.stderr


@pytest.mark.parametrize("args,stdin,message", [
    (["--email", "not-an-email", "--name", "X", "--role", "admin"], "long enough pw", "/email"),
    (["--email", "a@b.test", "--name", "X", "--role", "admin"], "short", "/password"),
    (["--email", "a@b.test", "--name", "X", "--role", "startup"], "long enough pw", "--organisation"),
    (["--email", "a@b.test", "--name", "X", "--role", "startup", "--organisation", "1800000000"], "long enough pw",
     "no organisation has tax code 1800000000"),
])
def test_bad_user_input_is_a_message_and_exit_status_1(database_url: str, tmp_path: Path, args, stdin, message) -> None:
    result = run("user", "create", *args, "--password-stdin", database_url=database_url, tmp_path=tmp_path,
                 stdin=stdin + "\n")
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_messages_are_vietnamese_unless_the_locale_is_english(database_url: str, tmp_path: Path) -> None:
    result = run("user", "create", "--email", "a@b.test", "--name", "X", "--role", "startup", "--password-stdin",
                 database_url=database_url, tmp_path=tmp_path, stdin="long enough pw\n", language="vi_VN.UTF-8")
    assert result.returncode == 1 and "người dùng doanh nghiệp cần --organisation" in result.stderr


def test_audit_verify_exits_1_when_the_log_was_tampered_with(database_url: str, tmp_path: Path) -> None:
    for email in ("a@skhcn.test", "b@skhcn.test"):
        run("user", "create", "--email", email, "--name", "X", "--role", "evaluator", "--password-stdin",
            database_url=database_url, tmp_path=tmp_path, stdin="long enough pw\n")
    intact = run("audit", "verify", database_url=database_url, tmp_path=tmp_path)
    assert intact.returncode == 0 and "intact: 2 entries" in intact.stdout
    engine = make_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_entries_no_update"))
        connection.execute(text("UPDATE audit_entries SET actor = 'someone else' WHERE seq = 1"))
    engine.dispose()
    broken = run("audit", "verify", database_url=database_url, tmp_path=tmp_path)
    assert broken.returncode == 1 and "TAMPERED" in broken.stderr and "#1 edited" in broken.stderr


def test_a_wrong_setting_or_an_unreachable_database_is_exit_status_2(tmp_path: Path) -> None:
    wrong = run("db", "upgrade", database_url="mysql://u@h/db", tmp_path=tmp_path)
    assert wrong.returncode == 2 and "'DATABASE_URL'" in wrong.stderr and "Traceback" not in wrong.stderr
    away = run("db", "upgrade", database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path=tmp_path)
    assert away.returncode == 2 and "Cannot reach the database" in away.stderr and "Traceback" not in away.stderr


def test_the_demo_seeds_its_trials_and_simulates_their_past(tmp_path: Path) -> None:
    result = run("demo", "--no-serve", "--days", "1", database_url=None, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("active") == 3 and "Simulating 1 day of the trials" in result.stdout
    for expected in ("SB-", "under_review", "TV-T2-0001", "NKC-0001", "admin@skhcn.cantho.demo",
                     "thamdinh@skhcn.cantho.demo", "lanhdao@skhcn.cantho.demo", "uav@baymekong.demo",
                     "Vị Tân", "Ninh Kiều", "sandbox-demo-2026"):
        assert expected in result.stdout, expected
    demo_db = f"sqlite:///{tmp_path / 'data' / 'demo' / 'sandbox.db'}"
    verified = run("audit", "verify", database_url=demo_db, tmp_path=tmp_path)
    assert verified.returncode == 0, verified.stderr
    engine = make_engine(demo_db)
    with engine.connect() as connection:  # a day and more of the camera's health, every half minute
        assert connection.execute(text("SELECT count(*) FROM camera_status")).scalar_one() > 24 * 120
        assert connection.execute(text("SELECT count(*) FROM amr_samples")).scalar_one() > 0
    engine.dispose()
    assert (tmp_path / "data" / "demo" / "manual-spraying-vi-tan-control.csv").exists()
    # It ends by evaluating its three trials: recommendations printed, reports left to open.
    assert result.stdout.count("(report v1):") == 3, result.stdout
    reports = sorted(p.suffix for p in (tmp_path / "data" / "demo" / "reports").iterdir())
    assert reports == [".html"] * 3 + [".pdf"] * 3
    engine = make_engine(demo_db)
    with engine.connect() as connection:  # with what the evaluator uploaded: labels, a survey, control records
        kpis = {}
        for (content,) in connection.execute(text("SELECT content FROM evaluation_reports")):
            document = json.loads(content) if isinstance(content, str) else content
            kpis.update({k["code"]: k for k in document["kpis"]})
            kpis.update({f"vs {c['kpi']}": c for c in document["comparisons"]})
        assert kpis["recall"]["clusters"] > 0 and kpis["acceptance"]["clusters"] > 0
        assert kpis["vs hectares_per_hour"]["n_reference"] > 0
    engine.dispose()
    again = run("demo", "--no-serve", "--days", "0", database_url=None, tmp_path=tmp_path)  # afresh every time
    seeded = result.stdout.split("Evaluating the three trials")[0]
    assert again.returncode == 0 and again.stdout.count("SB-2") == seeded.count("SB-2")
    assert "Simulating" not in again.stdout
