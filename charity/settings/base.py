"""Settings shared by every environment. Values that vary come from the environment."""

from decimal import Decimal
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

INSTALLED_APPS = [
    "charity",
    "ledger",
    "projects",
    "donations",
    "finance",
    "reports",
    "bulk",
    "cms",
    "django_tasks",
    "import_export",
    "wagtail.contrib.settings",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
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
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "charity.urls"
WSGI_APPLICATION = "charity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# DATABASE_URL picks the database: SQLite under var/ by default, postgres://… in production.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the site read while a writer (an import, a posting) holds the write lock;
    # IMMEDIATE makes every atomic block take that lock up front, so two writers queue
    # instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese is the default language (no URL prefix); the public site also renders in English under /en/.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
# locale_overrides: hand-kept Chinese for Wagtail strings its zh_Hans catalogue lacks. Any LOCALE_PATHS catalogue wins
# over Wagtail's; it stays second because makemessages writes into the first (docs/development.md, "Translations").
LOCALE_PATHS = [BASE_DIR / "charity" / "locale", BASE_DIR / "charity" / "locale_overrides"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Background work goes through the task API (django-tasks, which Wagtail uses). The immediate
# backend runs a task in-process when it is enqueued; docs/operations.md says how to move to a queue.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"),
    }
}

# Wagtail
WAGTAIL_SITE_NAME = env.str("WAGTAIL_SITE_NAME", default="慈善总会")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# No avatars from gravatar.com: every admin page would call a foreign host, which fails where the site has no
# foreign internet and tells that host who uses the admin. Staff get Wagtail's default avatar (or one they upload).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_USER_LOGIN_FORM = "charity.login.LoginForm"  # a translated label on the password field
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "txt", "xlsx", "zip"]
# Documents always go through Wagtail's view, which checks collection view restrictions (never a redirect to the
# file's storage URL): disbursements' supporting documents are private.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Money: one precision for every amount in the project (see docs/architecture.md).
MONEY_MAX_DIGITS = 18
MONEY_DECIMAL_PLACES = 2
DEFAULT_CURRENCY = "CNY"

# The transparency ledger. The signing key signs tree heads (base64 of a raw 32-byte Ed25519 private
# key, or a file holding it); `make run` generates var/ledger-signing.key for development.
LEDGER_SIGNING_KEY = env.str("LEDGER_SIGNING_KEY", default="")
LEDGER_SIGNING_KEY_FILE = env.str("LEDGER_SIGNING_KEY_FILE", default=str(VAR_DIR / "ledger-signing.key"))
# Keyed pseudonyms for beneficiaries in public records. Changing it changes every pseudonym.
LEDGER_PSEUDONYM_KEY = env.str("LEDGER_PSEUDONYM_KEY", default="")  # dev.py and test.py set their own
# Public keys (base64) that signed earlier tree heads, kept trusted after a key rotation.
LEDGER_TRUSTED_PUBLIC_KEYS = env.list("LEDGER_TRUSTED_PUBLIC_KEYS", default=[])
LEDGER_PAGE_SIZE = 1000  # get-entries returns at most this many entries per request

# Beneficiaries' ID numbers, phones and bank accounts are encrypted at rest (Fernet) with a key derived from
# PERSONAL_DATA_KEY, and a keyed hash (HMAC-SHA-256, a second derived key) sits beside each for duplicate checks
# and search. Old keys stay listed in PERSONAL_DATA_OLD_KEYS after a rotation so earlier values still decrypt.
PERSONAL_DATA_KEY = env.str("PERSONAL_DATA_KEY", default="")  # dev.py and test.py set their own
PERSONAL_DATA_OLD_KEYS = env.list("PERSONAL_DATA_OLD_KEYS", default=[])
# Disbursements: above this amount (yuan) two distinct approvers are needed (双人审批).
DISBURSEMENT_DUAL_APPROVAL_AMOUNT = Decimal(env.str("DISBURSEMENT_DUAL_APPROVAL_AMOUNT", default="50000.00"))
# Vouchers (记账凭证): above this total of debits (yuan) two distinct approvers are needed before posting.
VOUCHER_DUAL_APPROVAL_AMOUNT = Decimal(env.str("VOUCHER_DUAL_APPROVAL_AMOUNT", default="50000.00"))
# 银行对账: a bank line and a payment, payout or voucher on 1002 match by amount within this many days; offline bank
# gifts no bank line has matched after this many days are listed as 未对账的线下捐赠.
BANK_MATCH_DAYS = env.int("BANK_MATCH_DAYS", default=3)
BANK_RECONCILE_UNMATCHED_DAYS = env.int("BANK_RECONCILE_UNMATCHED_DAYS", default=7)
# Work waiting longer than this many days (a submission to approve, an approval to pay, a returned draft) goes into
# the daily overdue digest (send_overdue_digest) and is flagged on the dashboard's 待我处理 panel.
WORK_OVERDUE_DAYS = env.int("WORK_OVERDUE_DAYS", default=3)
# Audit check: one person (by ID hash) receiving from several projects above this yearly total (yuan).
AUDIT_MULTI_PROJECT_YEARLY_TOTAL = Decimal(env.str("AUDIT_MULTI_PROJECT_YEARLY_TOTAL", default="20000.00"))

# Donations and payments. Stripe is switched on by STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET; without them the
# local sandbox gateway (测试支付) takes the payment, signing its events with SANDBOX_WEBHOOK_SECRET.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")  # a Stripe-compatible server, e.g. for tests
STRIPE_PAYMENT_METHOD_TYPES = env.list("STRIPE_PAYMENT_METHOD_TYPES", default=["card", "alipay", "wechat_pay"])
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default="")  # dev.py and test.py set their own
# The sandbox's simulated Stripe fee per payment method, a fraction of the amount ("card=0.006,alipay=0.006").
SANDBOX_FEE_RATES = env.dict("SANDBOX_FEE_RATES", default={"card": "0.006", "alipay": "0.006", "wechat_pay": "0.006"})
DONATION_MIN_AMOUNT = Decimal(env.str("DONATION_MIN_AMOUNT", default="1.00"))
DONATION_MAX_AMOUNT = Decimal(env.str("DONATION_MAX_AMOUNT", default="50000.00"))
# An offline gift of at least this many yuan is recorded 待复核 and posts only when a second person confirms it.
OFFLINE_GIFT_CONFIRMATION_AMOUNT = Decimal(env.str("OFFLINE_GIFT_CONFIRMATION_AMOUNT", default="50000.00"))
DONATION_LOOKUP_ATTEMPTS = env.int("DONATION_LOOKUP_ATTEMPTS", default=10)  # per client address …
DONATION_LOOKUP_WINDOW = env.int("DONATION_LOOKUP_WINDOW", default=600)  # … per this many seconds
RECEIPT_SERIAL_PREFIX = env.str("RECEIPT_SERIAL_PREFIX", default="JZ")

# Bulk import (docs/import-export.md): files above the size are refused before anything parses them; an .xlsx
# (a zip) may unpack to at most IMPORT_MAX_UNPACKED_BYTES, and at most IMPORT_MAX_RATIO times its packed size.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=256 * 1024 * 1024)
IMPORT_MAX_RATIO = env.int("IMPORT_MAX_RATIO", default=100)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
IMPORT_UPLOAD_DIR = Path(env.str("IMPORT_UPLOAD_DIR", default=str(VAR_DIR / "imports")))  # private: never under MEDIA
SITE_URL = env.str("SITE_URL", default=WAGTAILADMIN_BASE_URL)  # absolute links in emails and receipts
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
# Outgoing mail from one URL: smtp+tls://user:password@smtp.example.org:587 (dev prints to the console).
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
# A cache shared by every worker process (rate limits): CACHE_URL=dbcache://charity_cache or redis://…
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Every enqueued task and page action logs at INFO; keep the console for what matters.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# Labels the templates use for the language switcher.
LANGUAGE_SWITCHER_LABELS = {"zh-hans": _("Chinese"), "en": _("English")}
