import json
import shutil

import pytest
from django.core.cache import caches
from django.db import connection

from tests.helpers import skip_or_fail

CHROMIUM = "/usr/bin/chromium"


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        skip_or_fail(f"needs Chromium at {CHROMIUM}: apt-get install chromium")


FIGURES = {}


@pytest.fixture(scope="session")
def figures():
    """A dict the attack, load and fault tests record their figures in."""
    return FIGURES


@pytest.fixture
def refusal(figures):
    """
    `refusal(figure)` counts one refusal a test has just asserted under
    `figure` in the run's figures ("uploads refused", "fetches refused").
    """

    def count(figure):
        figures[figure] = figures.get(figure, 0) + 1

    return count


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {json.dumps(value)}")


#: One cache location for every test, emptied before each: libraries that
#: keep a cache object from an earlier test (imagekit) see the same store.
TEST_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tests",
    },
    "limits": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tests-limits",
    },
    "off": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.CLINIC_PAGE_CACHE_LOCAL_SECONDS = 0
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    settings.CACHES = TEST_CACHES
    # One location for every test, emptied before each: libraries that keep
    # a cache object from an earlier test (imagekit) see the same empty store.
    caches["default"].clear()
    caches["limits"].clear()


@pytest.fixture
def site(db):
    """The current Site (its cached copy may predate a flush)."""
    from django.contrib.sites.models import Site

    Site.objects.clear_cache()
    return Site.objects.get_current()


@pytest.fixture
def standard_pages(site):
    """The standard pages a migration creates (a flush by an earlier
    transactional test removes them)."""
    import importlib

    from django.apps import apps
    from django.contrib.flatpages.models import FlatPage

    migration = importlib.import_module("clinic.migrations.0001_standard_pages")
    migration.create_pages(apps, None)
    return {page.url: page for page in FlatPage.objects.all()}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """
    The demo content, loaded once for the test module that asks for it and
    removed after it (each test still runs in its own transaction); returns
    what `load_demo` printed.
    """
    import io

    from django.core.management import call_command
    from django.test import override_settings

    out = io.StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CACHES=TEST_CACHES,
            TASKS={
                "default": {
                    "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
                }
            },
        ),
    ):
        call_command("load_demo", force=True, stdout=out)
        yield out.getvalue()
        # The flush sends post_migrate, which brings back the role groups.
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def editor(db):
    from tests.factories import UserFactory

    return UserFactory(username="editor", role="Editors")


@pytest.fixture
def reviewer(db):
    from tests.factories import PersonFactory, UserFactory

    user = UserFactory(username="reviewer", role="Medical reviewers")
    PersonFactory(name="Dr. Rosa Quinn", credentials="MD, physiatrist", user=user)
    return user


@pytest.fixture
def moderator(db):
    from tests.factories import UserFactory

    return UserFactory(username="moderator", role="Moderators")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """
    A page in a fresh headless Chromium; relative URLs go to the live server.
    Function-scoped: Playwright's sync API leaves an event loop marked as
    running in this thread, which Django's async-safety check would then see
    in every later test.
    """
    from django.contrib.sites.models import Site
    from playwright.sync_api import sync_playwright

    Site.objects.clear_cache()
    # The test's own ORM calls stay synchronous and safe while it runs.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


@pytest.fixture(scope="module")
def outside(request):
    """
    An outside web site on 127.0.0.1, answered by the test module's
    `Handler` class; yields its base URL and stops with the module.
    """
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), request.module.Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def shipped_glossary(db):
    """
    The glossary and the search synonyms as the migrations load them (a test
    that flushes the database takes them away from those after it).
    """
    import importlib

    from django.apps import apps

    from articles.models import GlossaryTerm, Synonym

    GlossaryTerm.objects.all().delete()
    Synonym.objects.all().delete()
    importlib.import_module(
        "articles.migrations.0026_search_synonyms"
    ).add_first_synonyms(apps, None)
    importlib.import_module("articles.migrations.0028_glossary").add_glossary(
        apps, None
    )
