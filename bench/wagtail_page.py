"""Render-time benchmark for one Wagtail article page with threaded comments.

The script builds a small Wagtail site and measures, in-process with Django's
test client, how long it takes to serve one ``ArticlePage``:

* a rich-text body of about 1,500 words (paragraphs of 70-130 words with an
  ``<h2>`` every few paragraphs), generated deterministically;
* 60 approved django-comments-xtd comments rendered as a thread
  (20 top-level comments, each with two replies), plus the comment form.

Every Django cache goes to ``DummyCache`` and ``DEBUG`` is off, so each request
does the full database and template work a cold-cache production request
would do (Django's template loader still keeps compiled templates in memory,
as it does by default whenever ``DEBUG`` is off).

Usage::

    python3 wagtail_page.py --workdir DIR [--requests 20]

Run with a system Python 3.11.  The first run creates ``DIR/venv`` and installs
the pinned packages listed in ``PINS``; the script then re-executes itself
inside that virtualenv, writes the Django project to ``DIR/site``, migrates
the SQLite database ``DIR/db.sqlite3`` and creates the content.  Later runs
reuse all of that until this file changes, which rebuilds the project and
the database.

The last line of stdout is one JSON object with the keys ``wagtail``,
``django``, ``django_comments_xtd``, ``median_ms``, ``queries``, ``bytes``,
``comments_found`` and ``loop_ms`` (a pure-Python machine speed reference).
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PINS = (
    "Django==5.2.19",
    "wagtail==8.0.1",
    "django-comments-xtd==2.10.13",
    "django-contrib-comments==2.2.0",
    "djangorestframework==3.18.3",
)

INNER_ENV_FLAG = "WAGTAIL_PAGE_BENCH_INNER"
SEED = 20261129
BODY_WORDS = 1500
ROOT_COMMENTS = 20
REPLIES_PER_ROOT = 2
TOTAL_COMMENTS = ROOT_COMMENTS * (1 + REPLIES_PER_ROOT)
ARTICLE_SLUG = "threaded-article"
WARMUP_REQUESTS = 3

WORDS = [
    "account",
    "action",
    "activity",
    "address",
    "advice",
    "agreement",
    "amount",
    "analysis",
    "answer",
    "appointment",
    "approach",
    "area",
    "argument",
    "arrangement",
    "article",
    "attention",
    "balance",
    "basis",
    "behaviour",
    "benefit",
    "budget",
    "building",
    "business",
    "capacity",
    "care",
    "case",
    "change",
    "choice",
    "clinic",
    "colleague",
    "comfort",
    "community",
    "condition",
    "confidence",
    "consultation",
    "context",
    "contract",
    "control",
    "conversation",
    "cost",
    "council",
    "course",
    "danger",
    "decision",
    "definition",
    "delivery",
    "demand",
    "department",
    "design",
    "detail",
    "development",
    "difference",
    "direction",
    "discussion",
    "distance",
    "doctor",
    "effect",
    "effort",
    "element",
    "energy",
    "environment",
    "evening",
    "evidence",
    "example",
    "experience",
    "explanation",
    "factor",
    "family",
    "feature",
    "feedback",
    "figure",
    "focus",
    "form",
    "framework",
    "function",
    "future",
    "garden",
    "growth",
    "guidance",
    "habit",
    "health",
    "history",
    "holiday",
    "idea",
    "impact",
    "improvement",
    "incident",
    "income",
    "increase",
    "industry",
    "information",
    "initiative",
    "interest",
    "issue",
    "journey",
    "judgement",
    "knowledge",
    "language",
    "layer",
    "lesson",
    "level",
    "library",
    "limit",
    "list",
    "location",
    "management",
    "market",
    "measure",
    "meeting",
    "memory",
    "method",
    "minute",
    "moment",
    "morning",
    "motion",
    "movement",
    "nature",
    "need",
    "network",
    "notice",
    "number",
    "object",
    "opinion",
    "option",
    "order",
    "outcome",
    "owner",
    "pattern",
    "payment",
    "people",
    "period",
    "person",
    "perspective",
    "place",
    "plan",
    "point",
    "policy",
    "position",
    "practice",
    "pressure",
    "priority",
    "problem",
    "process",
    "product",
    "programme",
    "progress",
    "project",
    "proposal",
    "purpose",
    "quality",
    "question",
    "reason",
    "record",
    "region",
    "relationship",
    "report",
    "request",
    "research",
    "resource",
    "response",
    "result",
    "review",
    "risk",
    "routine",
    "rule",
    "schedule",
    "season",
    "section",
    "sense",
    "service",
    "session",
    "shape",
    "signal",
    "skill",
    "solution",
    "source",
    "space",
    "staff",
    "stage",
    "standard",
    "step",
    "strategy",
    "structure",
    "study",
    "subject",
    "success",
    "summary",
    "support",
    "surface",
    "system",
    "task",
    "team",
    "technique",
    "theory",
    "thing",
    "time",
    "topic",
    "training",
    "treatment",
    "trend",
    "understanding",
    "unit",
    "update",
    "value",
    "version",
    "view",
    "visit",
    "voice",
    "week",
    "window",
    "work",
    "world",
    "year",
    "calm",
    "careful",
    "clear",
    "common",
    "direct",
    "early",
    "easy",
    "fair",
    "familiar",
    "gentle",
    "honest",
    "local",
    "modern",
    "natural",
    "open",
    "patient",
    "quick",
    "recent",
    "regular",
    "simple",
    "steady",
    "strong",
    "useful",
    "warm",
    "always",
    "often",
    "rarely",
    "gently",
    "usually",
    "quietly",
    "simply",
    "clearly",
    "nearly",
    "finally",
    "again",
    "together",
    "however",
    "therefore",
    "meanwhile",
    "because",
    "while",
    "although",
    "unless",
    "since",
    "during",
    "after",
    "before",
    "through",
    "across",
    "around",
    "toward",
    "within",
    "without",
    "about",
    "among",
    "between",
]

FIRST_NAMES = [
    "Alex",
    "Blake",
    "Casey",
    "Dana",
    "Eden",
    "Frankie",
    "Gray",
    "Harper",
    "Indigo",
    "Jules",
    "Kai",
    "Logan",
    "Morgan",
    "Noor",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Taylor",
]
LAST_NAMES = [
    "Adler",
    "Brooks",
    "Carver",
    "Dalton",
    "Ellis",
    "Fischer",
    "Garner",
    "Hale",
    "Irwin",
    "Jensen",
    "Keller",
    "Lowe",
    "Mercer",
    "Novak",
    "Ortiz",
    "Porter",
    "Quayle",
    "Rivers",
    "Sutton",
    "Turner",
]


# --------------------------------------------------------------------------
# Stage 1: virtualenv (system Python)
# --------------------------------------------------------------------------


def venv_python(workdir):
    return workdir / "venv" / "bin" / "python"


def ensure_venv(workdir):
    python = venv_python(workdir)
    stamp = workdir / "venv" / "installed-pins.txt"
    wanted = "\n".join(PINS) + "\n"
    if not python.exists():
        log(f"creating virtualenv in {workdir / 'venv'}")
        subprocess.run(
            [sys.executable, "-m", "venv", str(workdir / "venv")], check=True
        )
    if not stamp.exists() or stamp.read_text() != wanted:
        log("installing " + ", ".join(PINS))
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *PINS],
            check=True,
        )
        stamp.write_text(wanted)
    return python


def reexec_in_venv(workdir, argv):
    python = ensure_venv(workdir)
    os.environ[INNER_ENV_FLAG] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *argv])


# --------------------------------------------------------------------------
# Stage 2: the Django project (inside the virtualenv)
# --------------------------------------------------------------------------

SETTINGS_PY = """\
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = SITE_DIR.parent

SECRET_KEY = "wagtail-page-benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]

INSTALLED_APPS = [
    "articles",
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
    "django_comments_xtd",
    "django_comments",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "benchsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": WORK_DIR / "db.sqlite3",
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.dummy.DummyCache",
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = WORK_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = WORK_DIR / "media"

SITE_ID = 1

WAGTAIL_SITE_NAME = "Benchmark site"
WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database"},
}

COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_MAX_THREAD_LEVEL = 2
COMMENTS_XTD_CONFIRM_EMAIL = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
"""

URLS_PY = """\
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("comments/", include("django_comments_xtd.urls")),
    path("", include(wagtail_urls)),
]
"""

APPS_PY = """\
from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    default_auto_field = "django.db.models.BigAutoField"
"""

MODELS_PY = """\
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class ArticlePage(Page):
    summary = models.CharField(max_length=300)
    body = RichTextField()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
"""

BASE_HTML = """\
{% load static %}<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}{{ page.seo_title|default:page.title }}{% endblock %}</title>
  {% if page.search_description %}<meta name="description" content="{{ page.search_description }}">{% endif %}
  <link rel="stylesheet" href="{% static 'css/site.css' %}">
</head>
<body>
  <header class="site-header"><a href="/">Benchmark site</a></header>
  <main>
    {% block content %}{% endblock %}
  </main>
  <footer class="site-footer">Benchmark site</footer>
</body>
</html>
"""

ARTICLE_HTML = """\
{% extends "base.html" %}
{% load wagtailcore_tags comments comments_xtd %}

{% block content %}
<article class="article">
  <h1>{{ page.title }}</h1>
  <p class="summary">{{ page.summary }}</p>
  <div class="body">{{ page.body|richtext }}</div>
</article>

<section class="comments">
  {% get_comment_count for page as comment_count %}
  <h2>{{ comment_count }} comment{{ comment_count|pluralize }}</h2>
  {% if comment_count %}
  <div class="comment-tree">
    {% render_xtdcomment_tree for page allow_feedback allow_flagging %}
  </div>
  {% endif %}
  <h3>Post your comment</h3>
  {% render_comment_form for page %}
</section>
{% endblock %}
"""

PROJECT_FILES = {
    "benchsite/__init__.py": "",
    "benchsite/settings.py": SETTINGS_PY,
    "benchsite/urls.py": URLS_PY,
    "articles/__init__.py": "",
    "articles/apps.py": APPS_PY,
    "articles/models.py": MODELS_PY,
    "articles/migrations/__init__.py": "",
    "articles/templates/articles/article_page.html": ARTICLE_HTML,
    "templates/base.html": BASE_HTML,
}


def project_fingerprint():
    return hashlib.sha256(Path(__file__).resolve().read_bytes()).hexdigest()


def write_project(workdir):
    site_dir = workdir / "site"
    stamp = site_dir / "fingerprint.txt"
    fingerprint = project_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return site_dir
    log(f"writing Django project to {site_dir}")
    if site_dir.exists():
        shutil.rmtree(site_dir)
    database = workdir / "db.sqlite3"
    if database.exists():
        database.unlink()
    for name, text in PROJECT_FILES.items():
        path = site_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    stamp.write_text(fingerprint)
    return site_dir


def setup_django(site_dir):
    sys.path.insert(0, str(site_dir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchsite.settings"
    import django

    django.setup()


def migrate(site_dir):
    from django.core.management import call_command

    if not (site_dir / "articles" / "migrations" / "0001_initial.py").exists():
        call_command("makemigrations", "articles", verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)


# --------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------


def sentence_text(rng, count):
    """Return ``count`` words arranged into capitalised sentences."""
    words = []
    remaining = count
    while remaining:
        length = min(remaining, rng.randint(8, 16))
        if 0 < remaining - length < 4:
            length = remaining
        sentence = [rng.choice(WORDS) for _ in range(length)]
        sentence[0] = sentence[0].capitalize()
        if length > 6:
            sentence[length // 2] += ","
        words.extend(sentence[:-1])
        words.append(sentence[-1] + ".")
        remaining -= length
    return " ".join(words)


def generate_body(rng):
    """Return (html, paragraph_word_count) for the article body."""
    blocks = []
    total = 0
    until_heading = 0
    while total < BODY_WORDS:
        if until_heading == 0:
            heading = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))
            blocks.append(f"<h2>{heading.capitalize()}</h2>")
            until_heading = rng.randint(2, 4)
        remaining = BODY_WORDS - total
        if remaining <= 130:
            length = max(remaining, 70)
        else:
            length = rng.randint(70, max(70, min(130, remaining - 70)))
        blocks.append(f"<p>{sentence_text(rng, length)}</p>")
        total += length
        until_heading -= 1
    return "".join(blocks), total


def create_content():
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django_comments_xtd.models import XtdComment
    from wagtail.models import Site

    from articles.models import ArticlePage

    existing = ArticlePage.objects.filter(slug=ARTICLE_SLUG).first()
    if existing is not None:
        content_type = ContentType.objects.get_for_model(existing)
        count = XtdComment.objects.filter(
            content_type=content_type, object_pk=str(existing.pk), is_public=True
        ).count()
        if existing.live and count == TOTAL_COMMENTS:
            return existing
        raise SystemExit(
            f"database is in an unexpected state ({count} comments); "
            f"delete {settings.DATABASES['default']['NAME']} and rerun"
        )

    log("creating article page and comments")
    rng = random.Random(SEED)
    body, body_words = generate_body(rng)
    with transaction.atomic():
        home = Site.objects.get(is_default_site=True).root_page
        article = ArticlePage(
            title="Keeping a steady routine between appointments",
            slug=ARTICLE_SLUG,
            summary=sentence_text(rng, 28),
            body=body,
        )
        home.add_child(instance=article)
        article.save_revision().publish()

        content_type = ContentType.objects.get_for_model(ArticlePage)
        started = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.UTC)
        minute = 0

        def add_comment(parent=None):
            nonlocal minute
            minute += 17
            first = rng.choice(FIRST_NAMES)
            last = rng.choice(LAST_NAMES)
            comment = XtdComment(
                content_type=content_type,
                object_pk=str(article.pk),
                site_id=settings.SITE_ID,
                user_name=f"{first} {last}",
                user_email=f"{first}.{last}@example.com".lower(),
                comment=sentence_text(rng, rng.randint(15, 60)),
                submit_date=started + datetime.timedelta(minutes=minute),
                ip_address="127.0.0.1",
                is_public=True,
                is_removed=False,
                parent_id=parent.pk if parent else 0,
            )
            comment.save()
            return comment

        for _ in range(ROOT_COMMENTS):
            root = add_comment()
            for _ in range(REPLIES_PER_ROOT):
                add_comment(parent=root)

    check_comment_tree(article)
    log(f"article body: {body_words} words in paragraphs")
    return article


def check_comment_tree(article):
    from django.contrib.contenttypes.models import ContentType
    from django_comments_xtd.models import XtdComment

    content_type = ContentType.objects.get_for_model(article)
    comments = list(
        XtdComment.objects.filter(content_type=content_type, object_pk=str(article.pk))
    )
    roots = [c for c in comments if c.level == 0]
    replies = [c for c in comments if c.level == 1]
    problems = []
    if len(roots) != ROOT_COMMENTS or len(replies) != ROOT_COMMENTS * REPLIES_PER_ROOT:
        problems.append(f"{len(roots)} roots and {len(replies)} replies")
    for root in roots:
        if root.thread_id != root.pk or root.parent_id != root.pk or root.order != 1:
            problems.append(f"root {root.pk} has wrong thread fields")
        if root.nested_count != REPLIES_PER_ROOT:
            problems.append(f"root {root.pk} has nested_count {root.nested_count}")
        children = sorted(
            (c for c in replies if c.parent_id == root.pk), key=lambda c: c.order
        )
        orders = [c.order for c in children]
        if orders != list(range(2, 2 + REPLIES_PER_ROOT)):
            problems.append(f"root {root.pk} replies have orders {orders}")
        if any(c.thread_id != root.pk for c in children):
            problems.append(f"root {root.pk} replies have wrong thread_id")
    if problems:
        raise SystemExit("comment tree is wrong: " + "; ".join(problems))


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------


def loop():
    total = 0
    for n in range(5_000_000):
        total += n


def loop_reference_ms():
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        loop()
        timings.append((time.perf_counter() - start) * 1000)
    return min(timings)


def count_rendered_comments(html, expected_ids):
    found = [int(pk) for pk in re.findall(r'<div id="c(\d+)" class="comment', html)]
    missing = sorted(set(expected_ids) - set(found))
    if len(found) != len(expected_ids) or missing:
        raise SystemExit(
            f"page shows {len(found)} comments, expected {len(expected_ids)}; "
            f"missing ids: {missing}"
        )
    return len(found)


def measure(article, requests):
    import gc

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_comments_xtd.models import XtdComment

    url = article.get_url()
    content_type = ContentType.objects.get_for_model(article)
    expected_ids = list(
        XtdComment.objects.filter(
            content_type=content_type, object_pk=str(article.pk), is_public=True
        ).values_list("pk", flat=True)
    )

    client = Client()
    for _ in range(WARMUP_REQUESTS):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} returned {response.status_code}")

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    query_count = len(queries.captured_queries)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} returned {response.status_code}")
    html = response.content.decode()
    comments_found = count_rendered_comments(html, expected_ids)
    if "<h2>" not in html or article.summary not in html:
        raise SystemExit("page is missing the article body or summary")

    gc.collect()
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} returned {response.status_code}")

    return {
        "url": url,
        "status": response.status_code,
        "median_ms": statistics.median(timings),
        "min_ms": min(timings),
        "max_ms": max(timings),
        "queries": query_count,
        "bytes": len(response.content),
        "comments_found": comments_found,
    }


def run_inside_venv(workdir, requests):
    from importlib.metadata import version

    site_dir = write_project(workdir)
    setup_django(site_dir)
    migrate(site_dir)
    article = create_content()

    result = measure(article, requests)
    loop_ms = loop_reference_ms()

    print(f"url: {result['url']}  status: {result['status']}")
    print(
        f"{requests} requests: median {result['median_ms']:.2f} ms, "
        f"min {result['min_ms']:.2f} ms, max {result['max_ms']:.2f} ms"
    )
    print(
        f"queries: {result['queries']}  bytes: {result['bytes']}  "
        f"comments shown: {result['comments_found']}  loop: {loop_ms:.1f} ms"
    )
    print(
        json.dumps(
            {
                "wagtail": version("wagtail"),
                "django": version("Django"),
                "django_comments_xtd": version("django-comments-xtd"),
                "median_ms": round(result["median_ms"], 3),
                "queries": result["queries"],
                "bytes": result["bytes"],
                "comments_found": result["comments_found"],
                "loop_ms": round(loop_ms, 3),
            }
        )
    )


def log(message):
    print(f"[wagtail_page] {message}", file=sys.stderr, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    return args


def main(argv):
    args = parse_args(argv)
    workdir = args.workdir.resolve()
    if os.environ.get(INNER_ENV_FLAG) == "1":
        run_inside_venv(workdir, args.requests)
    else:
        workdir.mkdir(parents=True, exist_ok=True)
        argv = ["--workdir", str(workdir), "--requests", str(args.requests)]
        reexec_in_venv(workdir, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
