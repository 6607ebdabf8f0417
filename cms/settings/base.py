"""Settings shared by every environment.

Embedded defaults (SQLite, in-memory channel layer, local-memory cache, database task
backend) unless DATABASE_URL / REDIS_URL say otherwise. Secrets are only *required* in
production (see production.py).
"""

import os
from pathlib import Path

import dj_database_url

from cms.observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "daphne",
    "cms",
    "community",
    "community.outreach",
    "community.reach",
    "community.privacy",
    "feeds",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.facebook",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django-ninja: its Swagger UI served from the static files (no CDN: the CSP forbids it)
    "ninja",
    "django.contrib.humanize",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cms.content_policy.AdminAwareCSPMiddleware",
    "cms.serving.body_limit.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # /api/v1/: ETags, CORS for declared partners, problem details (cms/api/middleware.py)
    "cms.api.middleware.ApiMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "community.reach.middleware.FirstTouchMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cms.error_pages.MethodNotAllowedPageMiddleware",
    "cms.bad_input.AdminBadInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"
CSRF_FAILURE_VIEW = "cms.error_pages.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "community.context_processors.site_navigation",
                "feeds.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"
ASGI_APPLICATION = "cms.asgi.application"

# --- Serving: what one web worker process takes on at once (cms/serving/, README "Serving")
# Django runs each HTTP request's synchronous code in a thread of its own. A worker runs at
# most WEB_REQUESTS_PER_WORKER requests at once; the next ones wait their turn, in order, for
# up to WEB_QUEUE_TIMEOUT seconds, then get the "try again" page (503, Retry-After:
# WEB_RETRY_AFTER). WEB_CONCURRENCY (web worker processes, read by gunicorn) and
# TASK_WORKERS (task worker processes) only enter the connection budget check
# (cms/serving/checks.py): WEB_CONCURRENCY x DB_POOL_MAX_SIZE + TASK_WORKERS + 1 (scheduler).
WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "2"))
WEB_REQUESTS_PER_WORKER = int(os.environ.get("WEB_REQUESTS_PER_WORKER", "4"))
WEB_QUEUE_TIMEOUT = float(os.environ.get("WEB_QUEUE_TIMEOUT", "5"))
WEB_RETRY_AFTER = int(os.environ.get("WEB_RETRY_AFTER", "5"))
TASK_WORKERS = int(os.environ.get("TASK_WORKERS", "1"))
# A request takes its database connection before anything else (right after static files):
# when none can be had in time it gets the same 503 page instead of failing halfway (500).
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "cms.serving.middleware.DatabaseAvailableMiddleware",
)

# --- Request size: a body larger than its limit is refused from its Content-Length, before
# it is read (cms/serving/body_limit.py: 413 page); the proxy in front should refuse larger
# ones still (nginx: client_max_body_size 25m). Members upload pictures of 5 MB at most;
# the admin takes catalogue imports of 20 MB and images of 10 MB. A body that is no file
# upload: 2.5 MB (Django's default, made explicit). Uploads above 2.5 MB go to a temporary
# file rather than memory.
MAX_REQUEST_BODY_SIZE = 6 * 1024 * 1024
MAX_ADMIN_REQUEST_BODY_SIZE = 25 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Content-Security-Policy (django-csp 4; cms/content_policy.py, README "Sécurité")
# The site: scripts, styles, fonts and pictures from the site itself only; an inline script
# needs the request's nonce; no plugin, no <base>, forms post to the site (and to Facebook's
# login dialog, reached by a redirect after a form); only the site may frame its pages.
# Embedded media (the pages' "Embedded media" blocks) may frame CSP_EMBED_ORIGINS.
# Wagtail's admin (its inline scripts and style attributes) gets ADMIN_CONTENT_SECURITY_POLICY.
# Enforced here (so tests and production run with it); report-only in development (dev.py).
# Violations are reported to /csp-rapport/ (logged on "cms.csp").
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

CSP_EMBED_ORIGINS = [
    o.strip()
    for o in os.environ.get(
        "CSP_EMBED_ORIGINS",
        "https://www.youtube-nocookie.com,https://www.youtube.com,https://player.vimeo.com,"
        "https://www.dailymotion.com,https://geo.dailymotion.com",
    ).split(",")
    if o.strip()
]
CSP_REPORT_PATH = "/csp-rapport/"

# --- Map tiles (cms/maps.py, README "Carte des médiathèques"): off by default, the maps are
# then drawn offline. MAP_TILE_URL is a template with {z}, {x}, {y}, e.g.
# https://tile.openstreetmap.org/{z}/{x}/{y}.png; its origin (and no other) is allowed in
# img-src. MAP_TILE_ATTRIBUTION is shown under every tiled map (the tile provider's terms).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "").strip()
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors" if MAP_TILE_URL else ""
).strip()


def _tile_origin(template: str) -> list[str]:
    from urllib.parse import urlsplit

    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return []
    return [f"{parts.scheme}://{parts.netloc}"]


SITE_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF],
    "img-src": [SELF, "data:", *_tile_origin(MAP_TILE_URL)],
    "font-src": [SELF],
    "connect-src": [SELF],  # the member websocket (/ws/fil/) is same-origin
    "media-src": [SELF],
    "frame-src": [SELF, *CSP_EMBED_ORIGINS],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF, "https://www.facebook.com", "https://m.facebook.com"],
    "frame-ancestors": [SELF],
    "report-uri": CSP_REPORT_PATH,
}
ADMIN_CONTENT_SECURITY_POLICY = {
    **SITE_CSP_DIRECTIVES,
    "script-src": [SELF, UNSAFE_INLINE],  # Wagtail's panels and date pickers
    "style-src": [SELF, UNSAFE_INLINE],  # Wagtail's style attributes
    "img-src": [SELF, "data:", "blob:"],  # upload previews
    "font-src": [SELF, "data:"],
    "worker-src": [SELF, "blob:"],
}
ADMIN_CSP_PATH_PREFIXES = ("/admin/",)
CONTENT_SECURITY_POLICY = {"DIRECTIVES": SITE_CSP_DIRECTIVES}
CONTENT_SECURITY_POLICY_REPORT_ONLY = None

# --- Database: SQLite by default, DATABASE_URL switches (e.g. postgres://127.0.0.1/affinites)
# No persistent connections (CONN_MAX_AGE 0): under ASGI every request runs in a thread of
# its own, and a connection kept by a finished thread stays open until garbage-collected.
# On PostgreSQL each process keeps a psycopg pool instead: a request borrows a connection
# and gives it back when it ends.
# DB_POOL_MAX_SIZE bounds what one process holds (default: its requests at once + 1 for the
# websockets, whose database work shares one thread); DB_POOL_TIMEOUT is how long a request
# waits for a connection before the 503 page; DB_POOL_MAX_SIZE=0 turns the pool off (the
# task worker and the scheduler: one thread each, and RQ forks a process per job, which a
# pool must not cross). The pool checks a connection before lending it: one broken by a
# PostgreSQL restart is replaced rather than handed to a request.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    INSTALLED_APPS.append("django.contrib.postgres")
    DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", str(WEB_REQUESTS_PER_WORKER + 1)))
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(int(os.environ.get("DB_POOL_MIN_SIZE", "1")), DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "5")),
        }
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "community.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS 2.1.1: at least 12 characters (a phrase is easier to remember than symbols).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Internationalisation: French first, English available
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media files: everything served by the project, no CDN
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve static files straight from the apps, no collectstatic needed
WHITENOISE_AUTOREFRESH = True

# --- Redis (optional): channel layer and cache
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    # Redis pub/sub by default: a process subscribes to the groups of the pages it serves
    # and receives every push over one connection, where channels_redis's list-based layer
    # pops messages one round trip at a time (a push to 1,000 open pages took 4–5 s here,
    # against well under a second). Pushes are fire-and-forget notices ("3 nouveautés"):
    # pub/sub's at-most-once delivery is what they need. CHANNEL_LAYER=lists selects the
    # list-based layer (messages wait up to a minute for a consumer that reconnects).
    if os.environ.get("CHANNEL_LAYER", "pubsub") == "lists":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                # redis-py 8 defaults socket_timeout to 5 s, which kills channels_redis's
                # blocking receive: consumers in another process then never get a message
                # (django/channels_redis#422). No timeout on the layer's connections.
                "CONFIG": {
                    "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                    # All the websocket consumers of one server process share one Redis key
                    # (its "specific." channel prefix) and channels_redis silently drops
                    # what a group_send adds past `capacity` (100 by default): a push to a
                    # thousand open pages would reach only a few hundred.
                    "capacity": int(os.environ.get("CHANNEL_LAYER_CAPACITY", "20000")),
                },
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}]},
            }
        }
    CACHES = {
        "default": {
            # Django's Redis cache, reading as empty while Redis is away (cms/serving/degraded.py)
            "BACKEND": "cms.serving.degraded.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "affinites"),
        }
    }
else:
    # Channels' in-memory layer with a cheaper expiry sweep (feeds/layers.py)
    CHANNEL_LAYERS = {"default": {"BACKEND": "feeds.layers.LocalChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks (django-tasks API): database queue + `manage.py db_worker` by default,
# RQ on Redis when REDIS_URL is set
# (workers: `manage.py rqworker default --job-class django_tasks_rq.Job`).
if REDIS_URL:
    # A task enqueued while Redis is unreachable goes to the database queue ("fallback"),
    # moved back to RQ by the scheduler (requeue_fallback_tasks) once Redis answers.
    TASKS = {
        "default": {
            "BACKEND": "cms.serving.degraded.RQBackendWithFallback",
            "QUEUES": ["default"],
        },
        "fallback": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Wagtail
WAGTAIL_SITE_NAME = "Affinités"
# The address visitors use, scheme://host[:port]: every absolute link is built from it
# (cms/links.py), `migrate` writes its host and port into the default Wagtail site, and
# `manage.py check` warns (cms.W010) when the two disagree.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
# Wagtail's database backend (pages, images, interests, branches…; catalogue items declare
# no search_fields, so they are not in it: cms/catalogue/admin_search.py)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# Covers (cms/catalogue/covers.py): seconds between two requests to a provider, and the hosts
# on a private network the site may fetch covers from (an intranet Koha), comma-separated;
# other private, loopback and link-local addresses are refused.
COVERS_REQUEST_INTERVAL = float(os.environ.get("COVERS_REQUEST_INTERVAL", "0.5"))
COVERS_ALLOWED_HOSTS = [
    host.strip().lower()
    for host in os.environ.get("COVERS_ALLOWED_HOSTS", "").split(",")
    if host.strip()
]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: it sends a hash of each person's email to a third party. Avatars in the
# admin are the member's own picture or their initials (community/avatar_hooks.py).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# One login door (community/login_door.py): the admin sends people to allauth's login, and
# its own login and password-reset URLs redirect there; passwords and email addresses are
# changed through allauth's pages (rate limited, new addresses verified), linked from the
# admin's account page. Network admins still set passwords in the users editor.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
# No page or document protected by a shared password: a second, unthrottled secret to guess.
# Private pages and documents are restricted to logged-in people or groups.
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS = {"SHARED_PASSWORD": False}

# --- Accounts (django-allauth 65)
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
# How allauth names a person (emails, "signed in as"): their public name, never the
# username, which allauth makes from the email address.
ACCOUNT_USER_DISPLAY = "community.names.user_display"
ACCOUNT_UNIQUE_EMAIL = True
# Signing up with an address that already has an account shows the same "check your
# mailbox" page (no account enumeration); the owner receives an email saying so, with a
# password-reset link. No second account is ever created.
ACCOUNT_PREVENT_ENUMERATION = True
# Same page, same words and same cost either way (community/adapters.py, account_forms.py).
ACCOUNT_FORMS = {"signup": "community.account_forms.SignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Affinités] "
ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
# Login throttling: allauth's rate limits (failed logins per IP and per account).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False

# The Facebook provider is always installed; it is offered on the login page only when an
# app is configured (FACEBOOK_APP_ID + FACEBOOK_APP_SECRET, or a SocialApp in the admin).
FACEBOOK_APP_ID = os.environ.get("FACEBOOK_APP_ID", "")
FACEBOOK_APP_SECRET = os.environ.get("FACEBOOK_APP_SECRET", "")
FACEBOOK_GRAPH_API_VERSION = os.environ.get("FACEBOOK_GRAPH_API_VERSION", "v21.0")
SOCIALACCOUNT_PROVIDERS = {
    "facebook": {
        "METHOD": "oauth2",
        "SCOPE": ["email", "public_profile"],
        "FIELDS": ["id", "email", "name", "first_name", "last_name"],
        "VERSION": FACEBOOK_GRAPH_API_VERSION,
        "GRAPH_API_URL": os.environ.get("FACEBOOK_GRAPH_URL", "https://graph.facebook.com"),
    }
}
if FACEBOOK_APP_ID and FACEBOOK_APP_SECRET:
    SOCIALACCOUNT_PROVIDERS["facebook"]["APPS"] = [
        {"client_id": FACEBOOK_APP_ID, "secret": FACEBOOK_APP_SECRET, "key": ""}
    ]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Affinités <ne-pas-repondre@affinites.local>"
)

# --- Affinités
AFFINITES_NEAR_BRANCH_KM = 30  # beyond this, a member is told no branch is near

# --- Personalised feeds (feeds.store, feeds.fanout, feeds.feed_views)
FEED_STORE = os.environ.get("FEED_STORE", "")  # "" = redis when REDIS_URL is set, else database
FEED_MAX_ENTRIES = int(os.environ.get("FEED_MAX_ENTRIES", "800"))  # per member (Mastodon: 800)
FEED_REDIS_PREFIX = os.environ.get("FEED_REDIS_PREFIX", "affinites:feed")
# With Redis, the members with a page open (feeds.presence), shared by every web process
PRESENCE_REDIS_KEY = os.environ.get("PRESENCE_REDIS_KEY", "affinites:presence")
FEED_PAGE_SIZE = 20
FEED_INACTIVE_DAYS = 30  # not seen for this long: no fan-out, feed rebuilt on the next visit
FEED_AUDIENCE_KM = 60  # branch-bound content reaches members up to this distance
AFFINITES_NETWORK_NAME = os.environ.get(
    "AFFINITES_NETWORK_NAME", "Réseau des médiathèques des Bouches-du-Rhône"
)

# Every record carries its request id (cms/observability/); LOG_FORMAT=json writes one JSON
# object per line (the production default).
LOGGING = logging_config(os.environ.get("LOG_FORMAT", "text"), os.environ.get("LOG_LEVEL", "INFO"))

# --- Health and metrics (cms/observability/, docs/operations.md) -------------------------
# /healthz and /readyz for the proxy and orchestrators; Prometheus metrics at METRICS_PATH,
# for a request bearing METRICS_TOKEN when it is set, else from METRICS_ALLOWED_IPS only.
METRICS_PATH = os.environ.get("METRICS_PATH", "metrics").strip("/")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = [
    n.strip()
    for n in os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1/32,::1/128").split(",")
    if n.strip()
]
# Paths answered without borrowing a database connection first (cms.serving.middleware):
# /healthz must answer while PostgreSQL is away, /readyz reports it as a check.
DATABASE_FREE_PATHS = ("/healthz", "/readyz", f"/{METRICS_PATH}")
# Outermost: the request id is set before anything logs; every answer is counted and timed,
# the 503 pages included.
MIDDLEWARE.append("cms.serving.degraded.ServiceUnavailableMiddleware")
MIDDLEWARE[:0] = [
    "cms.observability.request_id.RequestIdMiddleware",
    "cms.observability.metrics.RequestMetricsMiddleware",
]

SILENCED_SYSTEM_CHECKS: list[str] = []

# --- Facebook syndication (feeds/syndication/README.md) ----------------------------------
FACEBOOK_GRAPH_URL = os.environ.get("FACEBOOK_GRAPH_URL", "https://graph.facebook.com")
# Fernet key(s) encrypting the Page token at rest; comma-separated for a rotation (the first
# encrypts, all decrypt). Without it, a key is derived from SECRET_KEY (rotating SECRET_KEY
# then makes the stored token unreadable: the connection shows as broken until re-entered).
FACEBOOK_TOKEN_KEY = os.environ.get("FACEBOOK_TOKEN_KEY", "")  # empty: derived from SECRET_KEY

# --- Fediverse (feeds/fediverse): médiathèques and communities as ActivityPub actors
# The Fediverse as a destination of "Publier aussi sur" (FEDIVERSE_ENABLED=0 hides it and sends
# nothing to followers; actors, WebFinger and follows keep answering).
FEDIVERSE_ENABLED = os.environ.get("FEDIVERSE_ENABLED", "1") != "0"
# Contact servers on private or loopback addresses and over plain HTTP (a local trial, the
# tests' stand-in Mastodon); never in production.
FEDIVERSE_ALLOW_PRIVATE_HOSTS = os.environ.get("FEDIVERSE_ALLOW_PRIVATE_HOSTS", "") == "1"
FACEBOOK_GRAPH_TIMEOUT = (
    float(os.environ.get("FACEBOOK_CONNECT_TIMEOUT", "5")),
    float(os.environ.get("FACEBOOK_READ_TIMEOUT", "20")),
)
# a claimed row whose worker died is resumed after this; longer than a request can take
# (connect + read timeouts). The Facebook drill shortens it (tests/ops/drills.py).
FACEBOOK_SEND_LEASE_SECONDS = int(os.environ.get("FACEBOOK_SEND_LEASE_SECONDS", "300"))
FACEBOOK_RETRY_BASE_SECONDS = 30  # transient errors: 30 s, 1, 2, 4, 8, 16, 32 min (± jitter)
FACEBOOK_RETRY_MAX_SECONDS = 3600
FACEBOOK_RETRY_MAX_ATTEMPTS = 8
# a creation whose answer did not come before the read timeout may still be committed by
# Facebook: for this long after it was sent, retries look for its marker on the Page (every
# FACEBOOK_UNCERTAIN_CHECK_SECONDS) and never create again
FACEBOOK_UNCERTAIN_SECONDS = int(os.environ.get("FACEBOOK_UNCERTAIN_SECONDS", "180"))
FACEBOOK_UNCERTAIN_CHECK_SECONDS = 20
FACEBOOK_DUPLICATE_VARIANTS = 3  # error 506 with no post of ours on the Page: link variants tried
FACEBOOK_THROTTLE_DEFAULT_SECONDS = 900  # rate limit without estimated_time_to_regain_access
FACEBOOK_BLOCKED_RETRY_SECONDS = 3600  # error 368 (temporarily blocked)
FACEBOOK_BLOCKED_MAX_ATTEMPTS = 24
FACEBOOK_RECONCILE_HOURS = 24  # syndication_resume looks this far back for missed publications
FACEBOOK_TARGETING_RADIUS_KM = 15
FACEBOOK_TARGETING_AGE_MIN = 15  # France's age of digital consent
FACEBOOK_AD_DAILY_BUDGET = int(os.environ.get("FACEBOOK_AD_DAILY_BUDGET", "500"))  # cents

# --- Personal data (community/privacy/, README "Données personnelles et RGPD")
# Prospects are deleted this long after their last contact (CNIL: 3 years).
PROSPECT_RETENTION_DAYS = int(os.environ.get("PROSPECT_RETENTION_DAYS", str(3 * 365)))
# Double opt-in: a consent given for an email address waits this long for its owner to
# confirm it from the email sent there; unconfirmed, it is deleted by the daily sweep.
CONSENT_CONFIRMATION_DAYS = int(os.environ.get("CONSENT_CONFIRMATION_DAYS", "7"))
# Accounts without a login for this long are warned by email (CNIL: deleting accounts
# unused for 2 years is proportionate), then deleted after the grace period if still unused.
ACCOUNT_INACTIVITY_DAYS = int(os.environ.get("ACCOUNT_INACTIVITY_DAYS", str(2 * 365)))
ACCOUNT_INACTIVITY_GRACE_DAYS = int(os.environ.get("ACCOUNT_INACTIVITY_GRACE_DAYS", "30"))
# Searches with no or few results are counted per day and folded query, without the person
# (community.reach.UnmetSearch, the demand dashboard); the counts are deleted after this long.
UNMET_SEARCH_RETENTION_DAYS = int(os.environ.get("UNMET_SEARCH_RETENTION_DAYS", "395"))
# Shown on /confidentialite/ as the address for data-protection requests (empty: members
# are pointed to their médiathèque).
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "")

# --- Search (search/): the index in the database (search/backends/database.py: SQLite FTS5,
# or PostgreSQL full-text search with unaccent + pg_trgm), searched on PostgreSQL by the
# hand-written SQL engine (search/backends/handwritten_sql.py) until the framework engine
# (SEARCH_BACKEND=framework, Django's full-text search API) is within 1.2× of it in the search
# bench; Elasticsearch when ELASTICSEARCH_URL is set (then run `manage.py search_index
# --rebuild` once).
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
SEARCH_BACKEND = (
    "elasticsearch" if ELASTICSEARCH_URL else os.environ.get("SEARCH_BACKEND", "database")
)
SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX", "affinites")
