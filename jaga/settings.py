"""Django settings for Jaga, read from environment variables (see README "Configuration").

A missing or wrong value raises ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from jaga import config

PACKAGE_DIR = Path(__file__).resolve().parent

DATA_DIR = config.data_dir()
SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.env_bool("JAGA_DEBUG", False)
ALLOWED_HOSTS = config.env_list("JAGA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = config.env_list("JAGA_CSRF_TRUSTED_ORIGINS", [])
# The address printed in each document's QR code (the public verification page).
JAGA_PUBLIC_URL = config.env_url("JAGA_PUBLIC_URL", "http://127.0.0.1:8000")
SECURE_COOKIES = config.env_bool("JAGA_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
BEHIND_PROXY = config.env_bool("JAGA_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "jaga.tenancy",
    "jaga.org",
    "jaga.audit",
    "jaga.sop",
    "jaga.workflow",
    "jaga.incidents",
    "jaga.catalogue",
    "jaga.documents",
    "jaga.inventory",
    "jaga.monitoring",
    "jaga.maintenance",
    "jaga.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Removes bidi control characters from every HTML page (issue 13 point 9).
    "jaga.web.bidi.BidiControlsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jaga.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jaga.web.middleware.AgencyTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "jaga.urls"
WSGI_APPLICATION = "jaga.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jaga.web.context_processors.jaga",
            ],
        },
    },
]

DATABASES = {"default": config.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The login throttle comes first, so a locked-out login is refused before any password is
# checked (issue 13 point 3; see the hardening block at the end).
AUTHENTICATION_BACKENDS = [
    "jaga.org.backends.LoginThrottleBackend",
    "jaga.org.backends.UsernameOrNipBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Indonesian is the default language; English is complete. Stored times are UTC and shown
# in each agency's zone (Agency.timezone); TIME_ZONE is only the fallback for people
# without an agency (platform administrators).
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = config.env_timezone("JAGA_TIME_ZONE", "Asia/Jakarta")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# A file missing from the manifest is served under its plain name instead of failing the page.
WHITENOISE_MANIFEST_STRICT = False
MEDIA_URL = "media/"
MEDIA_ROOT = Path(config.env_str("JAGA_MEDIA_DIR", "") or DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Request and upload limits (issue 13 point 6; jaga.web.limits) ---------------------
# A request body larger than JAGA_MAX_UPLOAD_MB megabytes is refused with 413 before any of
# it is read. The default fits the largest legitimate request, a disruption report with five
# photos of 10 MB (jaga.incidents.services.MAX_PHOTO_BYTES), and is above the inventory
# import's own 20 MB cap. Uploaded files above 2.5 MB are spooled to a temporary file, not
# held in memory; form fields other than files are limited to 2.5 MB (Django's defaults,
# stated here on purpose).
JAGA_MAX_REQUEST_BYTES = config.env_int("JAGA_MAX_UPLOAD_MB", 60, minimum=1) * 1024 * 1024
MIDDLEWARE = ["jaga.web.limits.RequestBodyLimitMiddleware", *MIDDLEWARE]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# --- end of request and upload limits ----------------------------------------------------

# Background work: the django.tasks API; the database backend needs no broker
# (architecture.md). "immediate" runs tasks inline (tests, one-off scripts). "rq" queues them
# in Redis (django-tasks-rq on django-rq) for workers on several machines (issue 19 point 4);
# JAGA_REDIS_URL is read only then.
_TASK_BACKEND = config.env_choice("JAGA_TASK_BACKEND", "database", ("database", "immediate", "rq"))
#: Every queue Jaga's tasks use (all of them the default one); the RQ worker serves these.
JAGA_TASK_QUEUES = ["default"]
if _TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    JAGA_REDIS_URL = config.env_redis_url("JAGA_REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUES = {name: {"URL": JAGA_REDIS_URL} for name in JAGA_TASK_QUEUES}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": JAGA_TASK_QUEUES}}
else:
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend"
            if _TASK_BACKEND == "database"
            else "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": JAGA_TASK_QUEUES,
        }
    }

# E-mail (outage notifications): SMTP when JAGA_SMTP_HOST is set, else each message is
# written as a file under <data dir>/mail, so a demo shows what would have been sent.
EMAIL_HOST = config.env_str("JAGA_SMTP_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = config.env_int("JAGA_SMTP_PORT", 587, minimum=1)
    EMAIL_HOST_USER = config.env_str("JAGA_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = config.env_str("JAGA_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = config.env_bool("JAGA_SMTP_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = config.env_str("JAGA_MAIL_FROM", "jaga@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # fontTools logs every glyph table it subsets while WeasyPrint embeds a font.
    # WeasyPrint logs each layout step and warns that Debian 12 lacks HarfBuzz-Subset.
    "loggers": {"fontTools": {"level": "WARNING"}, "weasyprint": {"level": "ERROR"}},
    "root": {
        "handlers": ["console"],
        "level": config.env_choice(
            "JAGA_LOG_LEVEL", "info", ("debug", "info", "warning", "error")
        ).upper(),
    },
}


# --- Login and session hardening (issue 13 points 3 and 4) ----------------------------------
# Kept in one block; README "Configuration" documents each variable.
INSTALLED_APPS += ["axes", "csp"]
MIDDLEWARE += [
    # After AuthenticationMiddleware and MessageMiddleware: ends an inactive agency's sessions.
    "jaga.web.middleware.InactiveAgencyMiddleware",
    # The Content-Security-Policy header (not on PDF answers).
    "jaga.web.security.HtmlCSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Failed logins (django-axes, database handler): after JAGA_LOGIN_FAILURE_LIMIT failures a
# username (a NIP counts as its user's username) is locked, and separately an address is
# locked, for JAGA_LOGIN_COOLOFF_MINUTES; a failure while locked does not extend the lock.
# Unlock: admin "Access attempts" (delete the rows), `jaga axes_reset_username NAME` or
# `jaga axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = config.env_int("JAGA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=config.env_int("JAGA_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "jaga.web.security.login_name"
AXES_CLIENT_IP_CALLABLE = "jaga.web.security.client_ip"
AXES_LOCKOUT_CALLABLE = "jaga.web.security.locked_out"
# Behind the proxy the client address is the JAGA_PROXY_COUNT-th entry from the right of
# X-Forwarded-For (each proxy appends the address it was reached from); 0: REMOTE_ADDR.
JAGA_PROXY_COUNT = config.env_int("JAGA_PROXY_COUNT", 1, minimum=1) if BEHIND_PROXY else 0

# Content-Security-Policy (django-csp 4): scripts only from Jaga's own static files, no
# inline script or event handler (tests/web/test_security.py keeps the templates so). Styles
# allow inline style attributes: the SOP flowchart and the documents position their boxes
# with them. Images allow data: URLs (the agency logo on the SOP page, Tabler's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# HTTPS (behind a TLS proxy set JAGA_BEHIND_PROXY and JAGA_SECURE_COOKIES; the defaults below
# then follow JAGA_SECURE_COOKIES, and `jaga check --deploy` has nothing to report).
SECURE_SSL_REDIRECT = config.env_bool("JAGA_SSL_REDIRECT", SECURE_COOKIES)
# The load balancer's liveness probe may speak plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = config.env_int("JAGA_HSTS_SECONDS", 31_536_000 if SECURE_COOKIES else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = config.env_bool("JAGA_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = config.env_bool("JAGA_HSTS_PRELOAD", False)
# Preloading is the domain owner's decision (the government's registrable domain, submitted
# to the browsers' list by hand), not Jaga's: its check is silenced; JAGA_HSTS_PRELOAD=true
# adds the directive.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# A session lasts JAGA_SESSION_HOURS from login (default: a 12-hour working day).
SESSION_COOKIE_AGE = config.env_int("JAGA_SESSION_HOURS", 12, minimum=1) * 3600

# django-axes announces itself at INFO on every command; its lockout warnings still show.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # type: ignore[index]

# `jaga scheduler` (issue 14): how often it looks for due maintenance rounds, and how far
# past its due time a round may start before it is marked late (the scheduler was down).
JAGA_SCHEDULER_POLL_SECONDS = config.env_int("JAGA_SCHEDULER_POLL_SECONDS", 30, minimum=1)
JAGA_SCHEDULER_GRACE_SECONDS = config.env_int("JAGA_SCHEDULER_GRACE_SECONDS", 300, minimum=0)

# --- Notifications (issue 15; docs/notifications.md) ------------------------------------------
INSTALLED_APPS += ["jaga.notifications", "jaga.reports"]
# --- Reports (issue 16; docs/reports.md) ----------------------------------------------------
# How long the compliance table of a running quarter or year is reused before it is computed
# again (a finished period's is kept until one of its records changes; jaga.reports.snapshots).
JAGA_REPORT_REFRESH_SECONDS = config.env_int("JAGA_REPORT_REFRESH_SECONDS", 600, minimum=0)
# How long a worker's claim on an outbox row lasts: a worker killed mid-send loses its claim
# after this many seconds and the row is sent again (jaga.notifications.delivery).
JAGA_DELIVERY_LEASE_SECONDS = config.env_int("JAGA_DELIVERY_LEASE_SECONDS", 300, minimum=1)
# How long a document may wait for its PDF before `jaga scheduler` queues its rendering again
# (a worker killed mid-render, a lost task; jaga.documents.scheduling).
JAGA_RENDER_LEASE_SECONDS = config.env_int("JAGA_RENDER_LEASE_SECONDS", 300, minimum=1)
# What each pass of `jaga scheduler` runs, in order: callables taking (batch=N) and returning
# how many things they did.
JAGA_SCHEDULER_PASSES = [
    "jaga.maintenance.scheduling.run_once",
    "jaga.notifications.scheduling.run_once",
    "jaga.documents.scheduling.run_once",
]
# Telegram (issue 15 point 2): the bot's token from @BotFather; empty turns the channel and
# `jaga telegram` off. The API address is configurable for a local Bot API server (and tests).
JAGA_TELEGRAM_TOKEN = config.env_str("JAGA_TELEGRAM_TOKEN", "")
JAGA_TELEGRAM_API_URL = config.env_str("JAGA_TELEGRAM_API_URL", "https://api.telegram.org/bot")
JAGA_TELEGRAM_FILE_URL = config.env_str(
    "JAGA_TELEGRAM_FILE_URL", "https://api.telegram.org/file/bot"
)
# The bot's @username, shown on the notifications page so people know whom to write to.
JAGA_TELEGRAM_BOT_NAME = config.env_str("JAGA_TELEGRAM_BOT_NAME", "")
# --- Electronic signatures (issue 18 point 6; docs/signatures.md) ----------------------------
INSTALLED_APPS += ["jaga.signatures"]
# A PEM (or DER) bundle of the certificates signatures are validated against: in production
# BSrE's root and intermediate CA certificates, installed by the deployer. Empty: no
# electronic signature is trusted (the verification page says so).
JAGA_TTE_TRUST_ROOTS = config.env_str("JAGA_TTE_TRUST_ROOTS", "")
# pyHanko logs a warning with a traceback for every signature it cannot validate (anyone
# may upload one on the public verification page); Jaga reports the verdict itself.
_loggers = LOGGING["loggers"]
assert isinstance(_loggers, dict)
_loggers.update({"pyhanko": {"level": "ERROR"}, "pyhanko_certvalidator": {"level": "ERROR"}})
