"""
Settings for the clinic content system.

One module for every environment: the environment variables listed in
README.md supply the differences. Defaults are the safe ones: DEBUG is off
and a secret key is required unless DJANGO_DEBUG is set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    """Return the environment variable `name` read as a boolean."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be a boolean (1/0, true/false), not {value!r}."
    )


def env_list(name, default=()):
    """Return the comma-separated environment variable `name` as a list."""
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            '(for example the output of `python -c "import secrets; '
            'print(secrets.token_urlsafe(50))"`), or set DJANGO_DEBUG=1 '
            "for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin with the clinic's home page and name.
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.redirects",
    "django.contrib.flatpages",
    "django.contrib.sitemaps",
    "django_ckeditor_5",
    "django_tasks",
    "django_tasks_db",
    "imagekit",
    "reversion",
    "csp",
    "axes",
    "articles",
    "articles.hub",
    "comments",
    # Last: its post_migrate receiver grants permissions of every app above.
    "clinic",
]

MIDDLEWARE = [
    "clinic.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.middleware.ClinicCSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into its answer.
    "axes.middleware.AxesMiddleware",
    "django.contrib.redirects.middleware.RedirectFallbackMiddleware",
]

ROOT_URLCONF = "clinic.urls"

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
                "clinic.context_processors.clinic",
            ],
        },
    },
]

WSGI_APPLICATION = "clinic.wsgi.application"

DATABASES = {
    # An unset or empty DATABASE_URL means the embedded SQLite database.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite cannot share connections between threads; keep them per request
    # and wait for the write lock instead of failing at once. A transaction
    # takes the write lock when it starts, so what it read stays true until
    # it commits (the stale-edit check relies on it, as on PostgreSQL's
    # SELECT ... FOR UPDATE).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clinic",
            "OPTIONS": {
                # An unreachable Redis reads as an empty cache (and is
                # logged): pages are rendered as if caching were off.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    # Files, not process memory: the web server's processes, the task worker
    # and management commands share one cache, so what one of them changes
    # (a moderator's action, a scheduled publication, an erasure) renews the
    # pages every other one serves.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CLINIC_CACHE_DIR") or BASE_DIR / ".cache",
            # Pages, fragments and counters of a small site; expired ones
            # are culled past this.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# Rate-limit counters apart from pages: however many pages are cached, no
# culling of old entries ever resets a limit.
CACHES["limits"] = {
    **CACHES["default"],
    **(
        {"KEY_PREFIX": "clinic-limits"}
        if REDIS_URL
        else {"LOCATION": Path(CACHES["default"]["LOCATION"]) / "limits"}
    ),
}
# Template fragments go to "off" where they must not be kept (previews, an
# unreachable cache).
CACHES["off"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"
        ),
    }
}

# Sessions live in the database; with Redis, reads come from the cache.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

LOGIN_URL = "admin:login"

# Brute force on the admin login (django-axes): five failures lock out that
# username from that address for 30 minutes. Locking by address alone would
# lock out a whole clinic behind one shared address; by username alone would
# let a stranger lock out any editor.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "clinic.addresses.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

LANGUAGE_CODE = "en-us"
# One language, for every reader: pages are cached and shared, so nothing a
# request sends (Accept-Language) may change them. A second language would
# need LocaleMiddleware and the language in every cache key.
LANGUAGES = [("en-us", "English")]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# The published-articles index carries extra columns for PostgreSQL's
# index-only scans; SQLite builds it on the key columns alone, as intended.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

SITE_ID = 1

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded images in an S3-compatible bucket (django-storages), so that every
# application server sees the same files. Without a bucket they are files
# under MEDIA_ROOT.
CLINIC_S3_BUCKET = os.environ.get("CLINIC_S3_BUCKET", "")
if CLINIC_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CLINIC_S3_BUCKET,
            "endpoint_url": os.environ.get("CLINIC_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CLINIC_S3_REGION") or None,
            "access_key": os.environ.get("CLINIC_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("CLINIC_S3_SECRET_ACCESS_KEY") or None,
            "custom_domain": os.environ.get("CLINIC_S3_CUSTOM_DOMAIN") or None,
            # Images are public: plain URLs, no expiring signatures.
            "querystring_auth": False,
            "file_overwrite": False,
            "addressing_style": "path",
            # "public-read" where the bucket uses ACLs; otherwise a bucket
            # policy makes the images public.
            "default_acl": os.environ.get("CLINIC_S3_DEFAULT_ACL") or None,
            "object_parameters": {"CacheControl": "public, max-age=31536000"},
        },
    }

# Uploads larger than this are refused before they are read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Development prints email on the console. A production server must say how
# it sends mail: the console would put readers' names and comments in logs.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "")
if not EMAIL_BACKEND:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_EMAIL_BACKEND is not set. Set it to "
            "django.core.mail.backends.smtp.EmailBackend with the DJANGO_EMAIL_* "
            "settings of your mail server (see docs/deploy.md), or set "
            "DJANGO_DEBUG=1 for local development."
        )
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "Clinic <noreply@clinic.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Site administrator", email) for email in env_list("DJANGO_ADMINS")]

# Security: secure by default outside DEBUG; a reverse proxy that terminates
# TLS must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): public pages run only the site's own
# script files, with no inline script or style. The admin adds what its
# rich-text editor needs (see clinic/middleware.py).
CLINIC_MEDIA_ORIGINS = env_list("CLINIC_MEDIA_ORIGINS")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *CLINIC_MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
CLINIC_ADMIN_CSP_UPDATE = {
    "style-src": ["'unsafe-inline'"],
    "img-src": ["blob:"],
}

# The clinic's identity, shown in the header, footer and emails.
CLINIC_NAME = os.environ.get("CLINIC_NAME", "Riverside Spine & Pain Clinic")
# The admin home's panels, in the page's order: each is a function taking
# the user and returning the panels they may see (see clinic/home.py).
CLINIC_HOME_PANELS = [
    "articles.home.panels",
    "comments.home.panels",
    "articles.hub.home.panels",
]

# The rich-text editor. Uploads go through articles.views.upload_image, not
# the package's own view (which keeps the original bytes and metadata).
CK_EDITOR_5_UPLOAD_FILE_VIEW_NAME = "articles:upload-image"
CKEDITOR_5_UPLOAD_FILE_TYPES = ["jpeg", "png", "gif", "webp"]
CKEDITOR_5_CONFIGS = {
    "default": {
        "toolbar": {
            "items": [
                "heading",
                "|",
                "bold",
                "italic",
                "link",
                "|",
                "bulletedList",
                "numberedList",
                "blockQuote",
                "insertTable",
                "|",
                "imageUpload",
                "|",
                "undo",
                "redo",
            ],
        },
        "heading": {
            "options": [
                {
                    "model": "paragraph",
                    "title": "Paragraph",
                    "class": "ck-heading_paragraph",
                },
                {
                    "model": "heading2",
                    "view": "h2",
                    "title": "Heading 2",
                    "class": "ck-heading_heading2",
                },
                {
                    "model": "heading3",
                    "view": "h3",
                    "title": "Heading 3",
                    "class": "ck-heading_heading3",
                },
                {
                    "model": "heading4",
                    "view": "h4",
                    "title": "Heading 4",
                    "class": "ck-heading_heading4",
                },
            ]
        },
        "image": {
            "toolbar": [
                "imageTextAlternative",
                "|",
                "toggleImageCaption",
            ],
        },
        "table": {
            "contentToolbar": ["tableColumn", "tableRow", "mergeTableCells"],
        },
        "link": {"addTargetToExternalLinks": False},
    },
}

# One JSON line per record (clinic/logs.py) unless DJANGO_LOG_FORMAT=text;
# development defaults to text.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "clinic.logs.JSONFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}
    },
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Each request is already one line from clinic.logs.
        "django.server": {"level": "WARNING"},
    },
}

# Periodic tasks queued by `manage.py run_scheduler`: task path -> seconds.
CLINIC_SCHEDULE = {
    "articles.services.publish_scheduled": 60,
    # Hourly, but each reviewer gets it at most once a day.
    "articles.reminders.send_review_reminders": 3600,
    "comments.services.purge_old_comments": 24 * 3600,
    "articles.hub.services.backlinks.verify_all_backlinks": 24 * 3600,
    "articles.hub.services.link_checks.check_outbound_links_task": 3600,
}

# Renditions are made when an image is saved, so that rendering a page never
# checks storage or creates files.
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"
# Limits for uploaded images (bytes, and width × height in pixels).
CLINIC_IMAGE_MAX_BYTES = 10 * 1024 * 1024
CLINIC_IMAGE_MAX_PIXELS = 40_000_000
# How long a signed preview link for an outside reviewer stays valid.
CLINIC_PREVIEW_MAX_AGE = 7 * 24 * 3600
# Four eyes: whoever last changed an article's content may not sign it off.
# A one-person clinic can turn it off; the sign-off then says so.
CLINIC_REVIEW_FOUR_EYES = env_bool("CLINIC_REVIEW_FOUR_EYES", True)
# Seconds an anonymous reader's page stays cached (0 turns the cache off).
CLINIC_PAGE_CACHE_SECONDS = int(os.environ.get("CLINIC_PAGE_CACHE_SECONDS", "600"))
# Seconds an application process may serve its own copy of a cached page
# before it checks the shared cache for newer content (0: check every time).
CLINIC_PAGE_CACHE_LOCAL_SECONDS = float(
    os.environ.get("CLINIC_PAGE_CACHE_LOCAL_SECONDS", "1")
)

# Seconds the parts of an article page shared by every reader (comment
# threads, related and linking articles) are kept as cached fragments; they
# are recomputed at once when published content changes. 0 turns them off.
CLINIC_FRAGMENT_CACHE_SECONDS = int(
    os.environ.get("CLINIC_FRAGMENT_CACHE_SECONDS", "600")
)
# Seconds the public hub's per-site counts are kept (they are recomputed at
# once when published content or backlinks change).
CLINIC_HUB_FIGURES_SECONDS = 3600

# The key for comment writers' IP fingerprints (HMAC). Rotating it makes old
# fingerprints unmatchable, which only weakens flood control briefly.
CLINIC_IP_HASH_KEY = os.environ.get("CLINIC_IP_HASH_KEY") or f"ip-hash:{SECRET_KEY}"
# Reverse proxies (nginx) whose X-Forwarded-For names the reader's address.
CLINIC_TRUSTED_PROXIES = env_list("CLINIC_TRUSTED_PROXIES")
# Comment form timing: refuse forms sent faster or older than this (seconds).
CLINIC_COMMENT_MIN_SECONDS = 3
CLINIC_COMMENT_MAX_AGE = 2 * 3600
# A second comment from the same IP fingerprint or email within this many
# seconds is refused.
CLINIC_COMMENT_FLOOD_SECONDS = 15
# Webmentions accepted per article and in all, per hour, and how many new
# ones may wait unverified (each is a row the worker fetches).
CLINIC_WEBMENTIONS_PER_ARTICLE_PER_HOUR = int(
    os.environ.get("CLINIC_WEBMENTIONS_PER_ARTICLE_PER_HOUR", "20")
)
CLINIC_WEBMENTIONS_PER_HOUR = int(os.environ.get("CLINIC_WEBMENTIONS_PER_HOUR", "200"))
CLINIC_WEBMENTION_MAX_PENDING = int(
    os.environ.get("CLINIC_WEBMENTION_MAX_PENDING", "500")
)
# Reports of comments one IP fingerprint may send in an hour.
CLINIC_REPORTS_PER_HOUR = int(os.environ.get("CLINIC_REPORTS_PER_HOUR", "10"))
# Privacy requests ("Your data") one IP fingerprint, or one email address,
# may make in an hour: each sends an email.
CLINIC_PRIVACY_REQUESTS_PER_HOUR = 3
# Sent with every fetch of an outside page (link checks, backlinks).
CLINIC_FETCH_USER_AGENT = os.environ.get(
    "CLINIC_FETCH_USER_AGENT",
    f"{CLINIC_NAME} link checker (Django; contact the site's editors)",
)
