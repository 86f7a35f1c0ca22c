"""Settings for the test suite: the real settings, with fast hashing and in-process side effects.

EPM_TEST_DATABASE_URL selects the database (SQLite by default, PostgreSQL in the second leg).
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("EPM_ENV", "test")

from epm.settings import *  # noqa: F403
from epm.settings import _database

DATABASES = {"default": _database(os.environ.get("EPM_TEST_DATABASE_URL") or "sqlite:///:memory:")}
DATABASES["default"].setdefault("TEST", {})
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
# Uploaded files (approval attachments, …) go to a throw-away directory, never to var/media.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="epm-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
