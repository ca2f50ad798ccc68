"""Settings are read from the environment; these tests run them in a fresh interpreter."""

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith("SECURE_")
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**clean, "DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_mode_without_secret_key_refuses_to_start(tmp_path):
    result = run_python("import annotator.settings", {"DEBUG": "false"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set and DEBUG is off" in result.stderr
    assert not (tmp_path / "secret_key").exists(), "no key may be invented in production"


def test_debug_is_off_unless_asked_for(tmp_path):
    result = run_python("import annotator.settings", {}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_invalid_boolean_is_a_clear_error(tmp_path):
    result = run_python("import annotator.settings", {"DEBUG": "maybe"}, tmp_path)
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'maybe'" in result.stderr


def test_development_key_is_generated_once_and_kept_private(tmp_path):
    code = "import annotator.settings as s; print(s.SECRET_KEY)"
    first = run_python(code, {"DEBUG": "true"}, tmp_path)
    second = run_python(code, {"DEBUG": "true"}, tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_sqlite_is_the_default_and_tuned_for_concurrent_writers(tmp_path):
    code = """
    import annotator.settings as s
    db = s.DATABASES["default"]
    print(db["ENGINE"], db["NAME"], db["OPTIONS"]["transaction_mode"], db["OPTIONS"]["timeout"])
    print(db["OPTIONS"]["init_command"])
    """
    result = run_python(code, {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    engine, name, mode, timeout = result.stdout.splitlines()[0].split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(tmp_path / "annotator.sqlite3")
    assert mode == "IMMEDIATE"
    assert int(timeout) >= 5
    assert "journal_mode=WAL" in result.stdout


def test_database_url_selects_postgresql(tmp_path):
    code = """
    import annotator.settings as s
    db = s.DATABASES["default"]
    print(db["ENGINE"], db["NAME"], db["HOST"], db["PORT"], db["USER"])
    """
    result = run_python(
        code,
        {"DEBUG": "true", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/annotator"},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "annotator",
        "127.0.0.1",
        "5432",
        "postgres",
    ]


def test_deploy_check_reports_nothing_in_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("SECURE_")
            },
            "DJANGO_SETTINGS_MODULE": "annotator.settings",
            "DEBUG": "false",
            "SECRET_KEY": "k" * 10 + "-production-key-for-the-deploy-check-0123456789abcdef",
            "ALLOWED_HOSTS": "annotator.example.org",
            "DATA_DIR": str(tmp_path),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


CONCURRENT_WRITERS = """
import threading
import django
from django.db import connection, transaction

django.setup()
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)")
    cursor.execute("INSERT INTO counter VALUES (1, 0)")
connection.close()
errors = []

def writer():
    from django.db import connection
    try:
        for _ in range(40):
            # Read, then write: the pattern that fails with "database is locked" when a
            # deferred transaction cannot upgrade its lock.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT value FROM counter WHERE id = 1")
                    value = cursor.fetchone()[0]
                    cursor.execute("UPDATE counter SET value = %s WHERE id = 1", [value + 1])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=writer) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("SELECT value FROM counter WHERE id = 1")
    print(journal, cursor.fetchone()[0], len(errors), errors[:1])
"""


def test_concurrent_sqlite_writers_never_see_database_is_locked(tmp_path):
    result = run_python(
        CONCURRENT_WRITERS,
        {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "annotator.settings"},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    journal, value, error_count, first_error = result.stdout.split(" ", 3)
    assert journal == "wal"
    assert error_count == "0", first_error
    assert value == "240", "every increment must have been applied exactly once"


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_debug_accepts_common_spellings_of_true(tmp_path, value):
    result = run_python(
        "import annotator.settings as s; print(s.DEBUG)", {"DEBUG": value}, tmp_path
    )
    assert result.stdout.strip() == "True"
