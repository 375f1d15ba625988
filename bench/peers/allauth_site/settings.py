"""django-allauth headless as a Python team would deploy it for an app: JSON sign-in and password reset.

Same argon2id parameters as recovery (m=19456 KiB, t=2, p=1), allauth's rate limits off for the measurement,
enumeration prevention on (allauth's default, like recovery), mail rendered but not sent (Django's dummy
backend: the peer's best case). The bench uses allauth's `app` client (session token in a header), which
needs no CSRF token, as recovery's Bearer API needs none.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

SECRET_KEY = os.environ.get("BENCH_PEER_SECRET", "bench-peer-secret-key-that-is-long-enough-0123456789")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.peers.allauth_site.urls"
WSGI_APPLICATION = "bench.peers.allauth_site.wsgi.application"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "allauth",
    "allauth.account",
    "allauth.headless",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}]
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = ["bench.peers.allauth_site.hashers.BenchArgon2PasswordHasher"]


def _database(url: str) -> dict:
    if url.startswith("postgresql"):
        parts = urlsplit(url.replace("+psycopg", ""))
        return {"ENGINE": "django.db.backends.postgresql", "NAME": parts.path.lstrip("/"),
                "USER": parts.username or "postgres", "HOST": parts.hostname or "127.0.0.1",
                "PORT": str(parts.port or 5432), "CONN_MAX_AGE": 60}
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": url.removeprefix("sqlite:///"),
            "OPTIONS": {"timeout": 15, "init_command": "PRAGMA journal_mode=WAL;"}}


DATABASES = {"default": _database(os.environ.get("BENCH_PEER_DATABASE_URL", "sqlite:///allauth.db"))}

HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": "http://127.0.0.1/verify/{key}",
    "account_reset_password": "http://127.0.0.1/reset",
    "account_reset_password_from_key": "http://127.0.0.1/reset/{key}",
    "account_signup": "http://127.0.0.1/signup",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = False
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "no-reply@localhost"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
