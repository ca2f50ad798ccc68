"""Settings for annotator, read from the environment.

Environment variables:
- ``DEBUG``: ``true`` for local development (``make run`` sets it); off by default.
- ``SECRET_KEY``: required when ``DEBUG`` is off. In development a key is generated once
  and kept in the data folder.
- ``ALLOWED_HOSTS``: comma-separated host names; in development, localhost only.
- ``DATABASE_URL``: for example ``postgres://user@host:5432/annotator``. Without it,
  a SQLite file in the data folder, tuned for several reviewers saving at once.
- ``DATA_DIR``: where local state lives (SQLite file, generated key, original files);
  ``./data`` by default. It is kept owner-only: created 0700 (narrowed to 0700 if it exists
  with wider permissions), and the SQLite file 0600 (SQLite gives its ``-wal`` and ``-shm``
  files the database file's mode).
- ``STATIC_ROOT``: where ``collectstatic`` puts files for WhiteNoise; ``./staticfiles``.
- ``CSRF_TRUSTED_ORIGINS``, ``SECURE_PROXY_SSL_HEADER`` (``true`` behind a TLS proxy
  that sets ``X-Forwarded-Proto``), ``SECURE_HSTS_SECONDS`` (a year), ``SECURE_SSL_REDIRECT``
  (on): production knobs, with secure defaults.
- ``SECURE_HSTS_INCLUDE_SUBDOMAINS`` and ``SECURE_HSTS_PRELOAD``: off unless asked for.
  Both bind more than this application (every subdomain of its host; browsers' built-in
  lists, which take months to leave), so whoever deploys it must choose them.
- ``LOGIN_FAILURE_LIMIT`` (5) and ``LOGIN_LOCKOUT_MINUTES`` (15): after that many failed
  logins for one user name from one address, logging in as that user from that address is
  refused (429) until that many minutes pass without another try, or an administrator runs
  ``manage.py axes_reset_username USER`` (or ``axes_reset_ip ADDRESS``, ``axes_reset``).
- ``SESSION_HOURS`` (8): a login lasts this long without any request; use starts the time
  again (the session is saved anew at most every five minutes).
- ``API_TOKEN_DAYS`` (90): how long a new API token is valid unless made otherwise.
- ``IMPORT_MAX_FILE_MB`` (50), ``IMPORT_MAX_ARCHIVE_MB`` (500, a ZIP once inflated) and
  ``IMPORT_MAX_ARCHIVE_FILES`` (5,000): how large an import may be.
- ``IMPORT_MAX_UPLOAD_MB`` (1000): how large one request may be in all (every file of an
  upload together); a larger one is refused with 413 before it is read.
- ``IMPORT_MAX_TEXT_CHARACTERS`` (5,000,000): how long one document's text may be, in
  Unicode code points once extracted (a 1,000-page report is about 3 million); a file whose
  text is longer fails alone, with the reason.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_positive_int(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1, not {value}.")
    return value


DEBUG = env_bool("DEBUG", default=False)
DATA_DIR = Path(os.environ.get("DATA_DIR") or BASE_DIR / "data").resolve()


# The data folder holds the originals of confidential documents, the SQLite database and
# the generated key: nobody but the account the application runs as may read it.
def owner_only(path: Path, mode: int) -> None:
    """Take away any permission beyond ``mode`` (0700 or 0600) that ``path`` has."""
    if stat.S_IMODE(path.stat().st_mode) & ~mode:
        try:
            path.chmod(mode)
        except PermissionError:
            raise ImproperlyConfigured(
                f"{path} is open to other accounts and this one cannot change that (it "
                f"belongs to another account): run `chmod {mode:o} {path}` as its owner."
            ) from None


def private_directory(path: Path) -> None:
    """Create ``path`` owner-only (0700), or narrow it to that if it is wider."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner_only(path, 0o700)


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does (it would use 0644), or
    narrow it and its ``-wal`` and ``-shm`` files; SQLite gives those the database's mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            owner_only(file, 0o600)


if DATA_DIR.exists():
    owner_only(DATA_DIR, 0o700)


def development_secret_key(data_dir: Path) -> str:
    """Return the key kept in the data folder, creating it on first use (owner-only file)."""
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    private_directory(data_dir)
    key = secrets.token_urlsafe(64)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off. Set the SECRET_KEY environment variable "
            "to a long random value (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = development_secret_key(DATA_DIR)

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",
    "axes",
    "annotator.apps.AnnotatorConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "annotator.middleware.ContentSecurityPolicyMiddleware",
    "annotator.middleware.NoStoreMiddleware",
    "annotator.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view or process_view (the CSRF check reads a form's body): refuses an
    # over-large body and an anonymous upload unread.
    "annotator.middleware.UploadLimitMiddleware",
    "annotator.middleware.SessionRefreshMiddleware",
    "annotator.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "annotator.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotator.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "annotator.wsgi.application"

# SQLite for one machine: WAL lets readers work while one reviewer writes, the busy timeout
# makes a second writer wait instead of failing, and IMMEDIATE transactions take the write
# lock at BEGIN, so a transaction that read first never fails to upgrade its lock
# ("database is locked") when another writer got there in between.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
    ),
}

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
    else:
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise ImproperlyConfigured(
                "DATABASE_URL names PostgreSQL, but its driver is not installed: "
                "pip install 'annotator[postgres]' (or -r requirements/deploy.txt)."
            ) from None
else:
    private_directory(DATA_DIR)
    private_sqlite_file(DATA_DIR / "annotator.sqlite3")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "annotator.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "project_list"
LOGOUT_REDIRECT_URL = "login"

# Password guessing: django-axes counts failed logins by user name and client address
# together, so that a stranger guessing one account's password is stopped without locking
# its owner out everywhere else, and one address trying many accounts gets each count.
# The API's tokens never go through Django's authenticate(), so scripts are not counted.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_positive_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_positive_int("LOGIN_LOCKOUT_MINUTES", 15))
# Every try while locked out starts the cool-off again, so the page's "try again in N
# minutes" is exact when it is shown.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# A successful login clears the failures counted for that user from that address.
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "annotator.views.accounts.login_locked_out"
# No record of every successful login (user, address, browser) kept for ever: the failures,
# kept only for the cool-off, are what the lockout needs.
AXES_DISABLE_ACCESS_LOG = True
# No banner on every command's standard error; failures and lockouts are still logged.
AXES_VERBOSE = False

# A login lasts SESSION_HOURS without a request: the session is saved again (and its time
# starts again: it slides) by the first request after SESSION_REFRESH_SECONDS, not by
# every request, so that reading a page is not a write (on SQLite it would take the one
# write lock from the reviewers saving spans). An absolute limit would log a reviewer out
# in the middle of a day's annotating, with the editor's unsaved changes pending; a session
# left open on a shared computer still ends that many hours after its last use.
SESSION_COOKIE_AGE = env_positive_int("SESSION_HOURS", 8) * 3600
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 300

# How long a new API token is valid (create_api_token --days N or --never-expires).
API_TOKEN_DAYS = env_positive_int("API_TOKEN_DAYS", 90)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    # Original uploaded files: kept unchanged, outside the web root, never served directly.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "originals", "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers. Every page is same-origin only (see the CSP middleware): the app never
# asks the browser to contact another host.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    # Opt-in: HSTS for every subdomain, or a place on the browsers' preload lists, binds
    # sites this application does not own and takes months to undo.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    # `check --deploy` warns of each flag left off; off is the deployer's choice here.
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]
    if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# What one request may carry. Besides its files, a body is read into memory, up to
# DATA_UPLOAD_MAX_MEMORY_SIZE (larger is refused). Uploaded files stay in memory only when
# the whole request is at most FILE_UPLOAD_MAX_MEMORY_SIZE; above that every file streams
# to a temporary file as it arrives, so an upload's memory does not grow with its size.
# A request larger than IMPORT_MAX_UPLOAD_MB in all is refused (413) before it is read, and
# so is any upload from someone not logged in (UploadLimitMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MiB
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_MB", 1000) * 1_000_000

# Imports: one file, one ZIP once inflated, and the number of files in one ZIP.
IMPORT_MAX_FILE_BYTES = env_int("IMPORT_MAX_FILE_MB", 50) * 1_000_000
IMPORT_MAX_ARCHIVE_BYTES = env_int("IMPORT_MAX_ARCHIVE_MB", 500) * 1_000_000
IMPORT_MAX_ARCHIVE_FILES = env_int("IMPORT_MAX_ARCHIVE_FILES", 5_000)
# One document's text, in code points: every view of a document renders all of it.
IMPORT_MAX_TEXT_CHARACTERS = env_int("IMPORT_MAX_TEXT_CHARACTERS", 5_000_000)
