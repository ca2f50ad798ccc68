"""Test settings: the production settings module, made fast and self-contained.

Runs with DEBUG off, as production does, with a key generated for this run and a data
folder in a temporary directory, so that tests never touch ./data.
"""

import atexit
import os
import secrets
import shutil
import tempfile

_data_dir = tempfile.mkdtemp(prefix="annotator-tests-")
atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
os.environ["DATA_DIR"] = _data_dir
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
os.environ["DEBUG"] = "false"
os.environ["SECURE_SSL_REDIRECT"] = "false"

from annotator.settings import *  # noqa: E402, F403
from annotator.settings import DATABASES, STORAGES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests that write from several threads at once (concurrent
    # moderators, the audit chain) need every thread to open the same database.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(_data_dir, "test.sqlite3")}

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The browser tests run over plain http on localhost.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# The manifest needs collectstatic; tests serve files from the app folders.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
