"""One settings module, driven by environment variables.

MILDPATH_PROFILE picks the profile: ``development`` (the default, what `make run`
uses), ``test`` (set by the test suite) or ``production`` (what `make serve` and a
real deployment use). The production profile refuses to start with settings that
would be unsafe for patient data; see ``_refuse_unsafe_production``.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from email.utils import formataddr
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MILDPATH_VAR_DIR", BASE_DIR / "var"))

# Under pytest the test profile is the default, so a bare `pytest` never touches var/.
PROFILE = os.environ.get("MILDPATH_PROFILE") or (
    "test" if "pytest" in sys.modules else "development"
)
if PROFILE not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"MILDPATH_PROFILE must be development, test or production, not {PROFILE!r}."
    )
PRODUCTION = PROFILE == "production"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _development_secret_key() -> str:
    """A key generated once per checkout, so development sessions survive restarts."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = _env_bool("DEBUG", default=PROFILE == "development")
if PROFILE == "test":
    SECRET_KEY = os.environ.get("SECRET_KEY") or "test-only-" + "x" * 50
else:
    SECRET_KEY = os.environ.get("SECRET_KEY") or ("" if PRODUCTION else _development_secret_key())
ALLOWED_HOSTS = _env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "mildpath.accounts.admin_apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "mildpath.core",
    "mildpath.audit",
    "mildpath.practice",
    "mildpath.accounts",
    "mildpath.patients",
    "mildpath.questionnaires",
    "mildpath.care",
    "mildpath.outcomes",
    "mildpath.site",
    "mildpath.scheduling",
    "mildpath.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mildpath.core.headers.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mildpath.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mildpath.core.errors.BusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "staff_home"

# Sign-in lockout (django-axes; see mildpath/accounts/lockout.py): each entry is its own
# count. A user name is locked after AXES_FAILURE_LIMIT failures from any addresses (and
# its owner emailed); an address after MILDPATH_LOCKOUT_ADDRESS_FAILURES across user names,
# a higher limit, so one person's typos never lock out everyone behind the same proxy.
AXES_FAILURE_LIMIT = int(os.environ.get("MILDPATH_LOCKOUT_FAILURES", "5"))
MILDPATH_LOCKOUT_ADDRESS_FAILURES = int(os.environ.get("MILDPATH_LOCKOUT_ADDRESS_FAILURES", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("MILDPATH_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address", ["username", "ip_address"]]
AXES_HANDLER = "mildpath.accounts.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
# An attempt refused while locked never reached the password check: it does not count as
# a failure, nor start the lock's time again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A failed attempt's form is kept for the admin's lockout pages: never its one-time code
# (a mistyped recovery code is close to a real one) nor its CSRF token. Passwords are
# always masked.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_CLIENT_IP_CALLABLE = "mildpath.core.net.client_ip"
AXES_LOCKOUT_CALLABLE = "mildpath.accounts.views.locked_out_page"
AXES_VERBOSE = False
# How many reverse proxies in front of the app append to X-Forwarded-For. 0 trusts none.
MILDPATH_TRUSTED_PROXY_COUNT = int(os.environ.get("MILDPATH_TRUSTED_PROXY_COUNT", "0"))

# Session policy (HIPAA automatic logoff): idle and absolute limits, in seconds, and how
# long before the idle limit the staff pages warn.
MILDPATH_IDLE_TIMEOUT = int(os.environ.get("MILDPATH_IDLE_TIMEOUT", str(15 * 60)))
MILDPATH_ABSOLUTE_TIMEOUT = int(os.environ.get("MILDPATH_ABSOLUTE_TIMEOUT", str(12 * 60 * 60)))
MILDPATH_IDLE_WARNING = int(os.environ.get("MILDPATH_IDLE_WARNING", "120"))
SESSION_COOKIE_AGE = MILDPATH_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True


# The worker (`manage.py worker`) sends the outbox's messages. A message still being
# sent this many seconds after a worker claimed it belongs to a worker that died, and
# is claimed again.
MILDPATH_OUTBOX_CLAIM_TIMEOUT = int(os.environ.get("MILDPATH_OUTBOX_CLAIM_TIMEOUT", "600"))
# A worker whose rounds keep failing (the database locked or away) waits longer after
# each failure, doubling its interval up to this many seconds, and keeps trying.
MILDPATH_WORKER_BACKOFF_MAX = float(os.environ.get("MILDPATH_WORKER_BACKOFF_MAX", "60"))
# /healthz fails when no worker has finished a round for this many seconds.
MILDPATH_WORKER_STALE_SECONDS = int(os.environ.get("MILDPATH_WORKER_STALE_SECONDS", "120"))
# Reminders, in hours before the appointment; cancellations accepted up to this many
# hours before; where links in messages point.
MILDPATH_REMINDER_HOURS = [
    int(hours) for hours in os.environ.get("MILDPATH_REMINDER_HOURS", "72,24").split(",")
]
# The follow-up plan's time points, counted from the procedure (or the first
# consultation until there is one): "code:offset(d|m):days open before:days open after,..."
# (questionnaires/plan.py). Empty: baseline, 1 and 6 weeks, 3, 6, 12 and 24 months.
MILDPATH_FOLLOW_UP_SCHEDULE = os.environ.get("MILDPATH_FOLLOW_UP_SCHEDULE", "")
# Documents on patients' charts: outside the web root, served only through an audited
# view; the largest upload accepted, in bytes.
MILDPATH_DOCUMENTS_DIR = Path(os.environ.get("MILDPATH_DOCUMENTS_DIR", VAR_DIR / "documents"))
MILDPATH_DOCUMENT_MAX_BYTES = int(
    os.environ.get("MILDPATH_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024))
)

# The outcomes registry (mildpath/outcomes): where finished reports and exports are kept
# for download, how long a running job may go without a sign of life before another
# worker takes it, and the public "our patients' results" block: shown only when at
# least this many patients have reached the time point it reports, refreshed by the
# worker at most this often (seconds).
MILDPATH_REGISTRY_DIR = Path(os.environ.get("MILDPATH_REGISTRY_DIR", VAR_DIR / "registry"))
MILDPATH_REGISTRY_JOB_TIMEOUT = int(os.environ.get("MILDPATH_REGISTRY_JOB_TIMEOUT", "300"))
MILDPATH_PUBLIC_RESULTS_MIN_N = int(os.environ.get("MILDPATH_PUBLIC_RESULTS_MIN_N", "20"))
# Background work of the apps above scheduling, run by manage.py worker after its own.
MILDPATH_WORKER_ROUNDS = ("mildpath.outcomes.tasks.outcomes_round",)
MILDPATH_PUBLIC_RESULTS_REFRESH = int(os.environ.get("MILDPATH_PUBLIC_RESULTS_REFRESH", "3600"))
MILDPATH_CANCEL_CUTOFF_HOURS = int(os.environ.get("MILDPATH_CANCEL_CUTOFF_HOURS", "24"))
MILDPATH_BASE_URL = os.environ.get("MILDPATH_BASE_URL", "http://127.0.0.1:8000")
# Texts: a file per message under var/sms, through Twilio when its account is set.
MILDPATH_TWILIO_ACCOUNT_SID = os.environ.get("MILDPATH_TWILIO_ACCOUNT_SID", "")
MILDPATH_TWILIO_AUTH_TOKEN = os.environ.get("MILDPATH_TWILIO_AUTH_TOKEN", "")
MILDPATH_TWILIO_FROM = os.environ.get("MILDPATH_TWILIO_FROM", "")
MILDPATH_TWILIO_API_URL = os.environ.get("MILDPATH_TWILIO_API_URL", "https://api.twilio.com")
MILDPATH_SMS_BACKEND = os.environ.get(
    "MILDPATH_SMS_BACKEND",
    "mildpath.scheduling.sms.TwilioSmsBackend"
    if MILDPATH_TWILIO_ACCOUNT_SID
    else "mildpath.scheduling.sms.FileSmsBackend",
)
MILDPATH_SMS_FILE_PATH = VAR_DIR / "sms"

# Call-back requests and online bookings one address may make in an hour.
MILDPATH_PUBLIC_CREATIONS_PER_HOUR = int(os.environ.get("MILDPATH_PUBLIC_CREATIONS_PER_HOUR", "10"))

# The public site's identity. An empty name falls back to the practice's name in the
# database; the logo is a path under the static folder (the demo's is marked as a demo).
MILDPATH_PRACTICE_LOGO = os.environ.get("MILDPATH_PRACTICE_LOGO", "img/logo-demo.svg")
# A ZIP code farther than this from every location is told it is outside our area.
MILDPATH_SERVICE_RADIUS_MILES = float(os.environ.get("MILDPATH_SERVICE_RADIUS_MILES", "100"))

OTP_TOTP_ISSUER = os.environ.get("MILDPATH_OTP_ISSUER", "mildpath")

ROOT_URLCONF = "mildpath.urls"
WSGI_APPLICATION = "mildpath.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mildpath" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mildpath.site.context_processors.site",
                "mildpath.accounts.context_processors.staff",
            ],
        },
    },
]

# SQLite in var/ is the zero-setup default; PostgreSQL is selected by DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mildpath.sqlite3'}",
        conn_max_age=0 if PROFILE == "test" else 60,
    )
}
SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if SQLITE:
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock
    # when a transaction starts, so check-then-insert sections cannot interleave.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("MILDPATH_SQLITE_TIMEOUT", "20")),
    }

# The booking lock (scheduling/services/locks.py). Only the test profile can turn it
# off, to prove that the race it prevents is real. On SQLite the lock is the IMMEDIATE
# transaction, so turning it off means plain deferred transactions. On PostgreSQL a
# lock is waited for this long at most before the change gives up, answering 503.
MILDPATH_LOCK_TIMEOUT_MS = int(os.environ.get("MILDPATH_LOCK_TIMEOUT_MS", "5000"))
MILDPATH_BOOKING_LOCK = PROFILE != "test" or os.environ.get("MILDPATH_TEST_BOOKING_LOCK") != "off"
if not MILDPATH_BOOKING_LOCK and SQLITE:
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "DEFERRED"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "mildpath" / "locale"]
USE_I18N = True
TIME_ZONE = "America/Los_Angeles"
USE_TZ = True
# One named format per language for dates and times (DATE_FORMAT, TIME_FORMAT, ...).
FORMAT_MODULE_PATH = ["mildpath.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "mildpath" / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if not PRODUCTION:
    # Serve straight from the source folders, so development and tests need no collectstatic.
    WHITENOISE_AUTOREFRESH = True
    WHITENOISE_USE_FINDERS = True

# Email: a file per message under var/mail in development, SMTP when EMAIL_HOST is set.
# Patients' mail comes from the practice: "Name <address>". The name is
# MILDPATH_PRACTICE_NAME, or when that is empty the practice's own (the database's,
# added as each message is sent); DEFAULT_FROM_EMAIL, when set, is used as it is.
MILDPATH_PRACTICE_NAME = os.environ.get("MILDPATH_PRACTICE_NAME", "")
MILDPATH_FROM_ADDRESS = os.environ.get("MILDPATH_FROM_ADDRESS", "no-reply@localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or (
    formataddr((MILDPATH_PRACTICE_NAME, MILDPATH_FROM_ADDRESS))
    if MILDPATH_PRACTICE_NAME
    else MILDPATH_FROM_ADDRESS
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", default=True)
    # A mail server that stops answering must not hold the worker (and every message
    # behind it) for ever: the send fails, and is tried again later.
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = Path(os.environ.get("MILDPATH_EMAIL_FILE_PATH", VAR_DIR / "mail"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp) on every page: scripts, styles and everything else
# from this site only, no inline script or style, never framed. Templates keep their
# JavaScript and CSS in static files (mildpath/static/).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The load balancer's probes come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if _env_bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every attempt at INFO; the audit trail already records them.
    # WeasyPrint tells every step of every PDF ("Step 2 - Fetching and parsing CSS").
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}


def _refuse_unsafe_production() -> None:
    problems = []
    if DEBUG:
        problems.append("DEBUG is on")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        problems.append("SECRET_KEY is missing, short or a default (set 50+ random characters)")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty or open ('*'); list the real host names")
    if MILDPATH_SMS_BACKEND.endswith("TwilioSmsBackend") and not (
        MILDPATH_TWILIO_ACCOUNT_SID and MILDPATH_TWILIO_AUTH_TOKEN and MILDPATH_TWILIO_FROM
    ):
        problems.append(
            "texts go through Twilio but MILDPATH_TWILIO_ACCOUNT_SID, "
            "MILDPATH_TWILIO_AUTH_TOKEN or MILDPATH_TWILIO_FROM is missing"
        )
    if problems:
        raise ImproperlyConfigured(
            "The production profile refuses to start: " + "; ".join(problems) + "."
        )


if PRODUCTION:
    _refuse_unsafe_production()

if PROFILE == "test":
    # Hashing strength is not what the tests examine; speed is what they need.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if "MILDPATH_EMAIL_FILE_PATH" not in os.environ:  # a worker under test writes files
        EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
