"""Settings are read from the environment; these tests run them in a fresh interpreter."""

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# Variables these tests set themselves: the runner's own values must not leak in.
OWN_VARIABLES = {
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "SESSION_HOURS",
    "API_TOKEN_DAYS",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_LOCKOUT_MINUTES",
}


def run_python(
    code: str, env: dict[str, str], data_dir: Path, umask: int = -1
) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in OWN_VARIABLES and not key.startswith("SECURE_")
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**clean, "DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=umask,
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


def deploy_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in OWN_VARIABLES and not k.startswith("SECURE_")
            },
            "DJANGO_SETTINGS_MODULE": "annotator.settings",
            "DEBUG": "false",
            "SECRET_KEY": "k" * 10 + "-production-key-for-the-deploy-check-0123456789abcdef",
            "ALLOWED_HOSTS": "annotator.example.org",
            "DATA_DIR": str(tmp_path),
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_reports_nothing_in_production_settings(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    # Only the two warnings of the opt-in HSTS flags left off (security.W005, W021).
    assert "System check identified no issues (2 silenced)." in result.stdout


def test_deploy_check_silences_nothing_once_both_hsts_flags_are_chosen(tmp_path):
    result = deploy_check(
        tmp_path, SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true"
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "k" * 60}
HSTS = """
import annotator.settings as s
print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)
print(",".join(s.SILENCED_SYSTEM_CHECKS))
"""


def test_hsts_subdomains_and_preload_are_opt_in(tmp_path):
    result = run_python(HSTS, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    flags, silenced = result.stdout.splitlines()
    assert flags == "31536000 False False"
    # Exactly the warnings Django gives for those two flags left off, and nothing else.
    assert silenced == "security.W005,security.W021"


def test_hsts_subdomains_and_preload_can_each_be_asked_for(tmp_path):
    result = run_python(HSTS, {**PRODUCTION, "SECURE_HSTS_PRELOAD": "true"}, tmp_path)
    assert result.stdout.splitlines() == ["31536000 False True", "security.W005"]
    result = run_python(HSTS, {**PRODUCTION, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "yes"}, tmp_path)
    assert result.stdout.splitlines() == ["31536000 True False", "security.W021"]


SESSION = """
import annotator.settings as s
print(s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST, s.SESSION_REFRESH_SECONDS)
"""


def test_sessions_last_eight_hours_of_inactivity_by_default(tmp_path):
    result = run_python(SESSION, {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    # Not Django's two weeks; saved again by the first request after five minutes, so the
    # time runs from the last use, without a write on every page.
    assert result.stdout.split() == [str(8 * 3600), "False", "300"]


def test_session_hours_are_read_from_the_environment(tmp_path):
    result = run_python(SESSION, {"DEBUG": "true", "SESSION_HOURS": "2"}, tmp_path)
    assert result.stdout.split() == [str(2 * 3600), "False", "300"]
    result = run_python(SESSION, {"DEBUG": "true", "SESSION_HOURS": "0"}, tmp_path)
    assert result.returncode != 0
    assert "SESSION_HOURS must be at least 1, not 0" in result.stderr


LOGINS = """
import annotator.settings as s
print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), s.AXES_LOCKOUT_PARAMETERS)
print(s.AXES_RESET_ON_SUCCESS, s.API_TOKEN_DAYS, s.AUTHENTICATION_BACKENDS[0])
print(s.MIDDLEWARE[-1])
"""


def test_login_throttling_and_token_lifetime_defaults(tmp_path):
    result = run_python(LOGINS, {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "5 900 [['username', 'ip_address']]",
        "True 90 axes.backends.AxesStandaloneBackend",
        "axes.middleware.AxesMiddleware",
    ]


def test_login_throttling_and_token_lifetime_are_read_from_the_environment(tmp_path):
    env = {
        "DEBUG": "true",
        "LOGIN_FAILURE_LIMIT": "3",
        "LOGIN_LOCKOUT_MINUTES": "60",
        "API_TOKEN_DAYS": "30",
    }
    result = run_python(LOGINS, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "3 3600 [['username', 'ip_address']]",
        "True 30 axes.backends.AxesStandaloneBackend",
    ]
    result = run_python(LOGINS, {"DEBUG": "true", "LOGIN_LOCKOUT_MINUTES": "soon"}, tmp_path)
    assert "LOGIN_LOCKOUT_MINUTES must be a whole number, not 'soon'" in result.stderr


# A fresh database written to in WAL mode: SQLite makes its -wal and -shm files then.
WRITE_SQLITE = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cursor.execute("INSERT INTO t VALUES (1)")
    cursor.execute("PRAGMA journal_mode")
    print(cursor.fetchone()[0])
import os, stat
from pathlib import Path
data = Path(os.environ["DATA_DIR"])
for path in [data, *sorted(data.iterdir())]:
    print(path.name, oct(stat.S_IMODE(path.stat().st_mode)))
"""


def modes(output: str) -> dict[str, str]:
    return dict(line.split() for line in output.splitlines()[1:])


def test_a_fresh_data_folder_and_sqlite_files_are_owner_only(tmp_path):
    data = tmp_path / "fresh" / "data"
    result = run_python(
        WRITE_SQLITE,
        {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "annotator.settings"},
        data,
        umask=0o022,  # the usual umask, which left the folder 0755 and the database 0644
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "wal"
    assert modes(result.stdout) == {
        "data": "0o700",
        "annotator.sqlite3": "0o600",
        "annotator.sqlite3-shm": "0o600",
        "annotator.sqlite3-wal": "0o600",
        "secret_key": "0o600",
    }


def test_a_data_folder_made_before_is_narrowed_to_its_owner(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    for name in ("annotator.sqlite3", "annotator.sqlite3-wal"):
        (data / name).touch()
        (data / name).chmod(0o644)
    result = run_python(
        WRITE_SQLITE,
        {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "annotator.settings"},
        data,
        umask=0o022,
    )
    assert result.returncode == 0, result.stderr
    found = modes(result.stdout)
    assert found["data"] == "0o700"
    assert found["annotator.sqlite3"] == found["annotator.sqlite3-wal"] == "0o600"
    assert found["annotator.sqlite3-shm"] == "0o600"


def test_postgresql_leaves_a_missing_data_folder_alone_and_narrows_an_existing_one(tmp_path):
    code = "import annotator.settings as s; print(s.DATABASES['default']['ENGINE'])"
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "k" * 60,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/annotator",
    }
    missing = tmp_path / "missing"
    result = run_python(code, env, missing, umask=0o022)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"
    assert not missing.exists(), "nothing is created at import without SQLite"
    existing = tmp_path / "existing"
    existing.mkdir()
    existing.chmod(0o755)
    result = run_python(code, env, existing, umask=0o022)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(existing.stat().st_mode) == 0o700
    assert list(existing.iterdir()) == [], "no SQLite file is made for PostgreSQL"


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


UPLOADS = """
import annotator.settings as s
print(s.IMPORT_MAX_UPLOAD_BYTES, s.FILE_UPLOAD_MAX_MEMORY_SIZE, s.DATA_UPLOAD_MAX_MEMORY_SIZE)
print(s.FILE_UPLOAD_HANDLERS[-1])
print(s.MIDDLEWARE.index("annotator.middleware.UploadLimitMiddleware")
      > s.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware"))
"""


def test_uploads_are_bounded_and_stream_to_temporary_files_by_default(tmp_path):
    result = run_python(UPLOADS, {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        str(1000 * 1_000_000),
        "2621440",
        str(10 * 1024 * 1024),
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
        "True",
    ]


def test_the_upload_limit_is_read_from_the_environment(tmp_path):
    result = run_python(UPLOADS, {"DEBUG": "true", "IMPORT_MAX_UPLOAD_MB": "5"}, tmp_path)
    assert result.stdout.split()[0] == "5000000"
    result = run_python(UPLOADS, {"DEBUG": "true", "IMPORT_MAX_UPLOAD_MB": "lots"}, tmp_path)
    assert result.returncode != 0
    assert "IMPORT_MAX_UPLOAD_MB must be a whole number, not 'lots'" in result.stderr


def test_the_served_application_loads_every_view_and_freezes_what_it_holds(tmp_path):
    """A full garbage collection walks every object the process holds, and Django with the
    product's modules holds about 150,000: on this kind of machine 100 ms or more, taken in
    the middle of whichever request triggered it (an import of a thousand documents does,
    every time). The application the server loads imports every view and API module at
    once, then moves what it holds out of the collector's reach (``gc.freeze``)."""
    code = """
    import gc, sys
    assert gc.get_freeze_count() == 0
    import annotator.wsgi
    print(gc.get_freeze_count())
    print("annotator.api.importing" in sys.modules, "annotator.views.importing" in sys.modules)
    """
    result = run_python(code, {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
    frozen, loaded = result.stdout.splitlines()
    assert int(frozen) > 50_000, f"only {frozen} objects frozen: the modules were not loaded"
    assert loaded == "True True", "the views and the API are loaded before the freeze"
