"""Settings from the environment, and the language people read."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.config import load_settings
from sandbox.errors import ConfigurationError
from sandbox.i18n import negotiate_language


def test_with_nothing_set_the_service_keeps_a_sqlite_file_in_its_data_directory(tmp_path: Path) -> None:
    settings = load_settings({"HOME": str(tmp_path)})
    assert settings.data_dir == tmp_path / ".local" / "share" / "sandbox"
    assert settings.database_url == f"sqlite:///{settings.data_dir / 'sandbox.db'}"
    assert settings.is_sqlite and settings.port == 8000 and settings.max_trial_months == 6


def test_a_postgresql_url_is_taken_as_is_or_given_the_psycopg_driver() -> None:
    for raw in ("postgresql+psycopg://u:p@db/s", "postgresql://u:p@db/s", "postgres://u:p@db/s"):
        assert load_settings({"DATABASE_URL": raw}).database_url == "postgresql+psycopg://u:p@db/s"


@pytest.mark.parametrize("name,value,fragment", [
    ("DATABASE_URL", "mysql://u@h/db", "'DATABASE_URL' is 'mysql://u@h/db'"),
    ("SANDBOX_PORT", "eighty", "'SANDBOX_PORT' must be a whole number from 1 to 65535, got 'eighty'"),
    ("SANDBOX_PORT", "70000", "got '70000'"),
    ("SANDBOX_PASSWORD_HASHING", "none", "must be one of standard, fast; got 'none'"),
])
def test_a_wrong_setting_names_the_variable_the_value_and_what_is_accepted(name, value, fragment) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings({name: value})
    assert fragment in caught.value.message.en
    assert name in caught.value.message.vi


@pytest.mark.parametrize("header,explicit,expected", [
    (None, None, "vi"),
    ("", None, "vi"),
    ("en", None, "en"),
    ("en-US,en;q=0.9", None, "en"),
    ("vi-VN,vi;q=0.9,en;q=0.8", None, "vi"),
    ("en;q=0.5,vi;q=0.8", None, "vi"),
    ("fr-FR,de", None, "vi"),
    ("fr-FR,en;q=0.3", None, "en"),
    ("en", "vi", "vi"),
    (None, "en", "en"),
    ("en;q=0", None, "vi"),
])
def test_vietnamese_unless_english_is_preferred(header, explicit, expected) -> None:
    assert negotiate_language(header, explicit) == expected
