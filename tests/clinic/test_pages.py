import pytest
from bs4 import BeautifulSoup
from django.db import DatabaseError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from clinic.addresses import reverser
from tests.helpers import sitemap_text


@pytest.mark.django_db
def test_home_page_has_the_clinic_name_and_the_disclaimer(client, settings):
    settings.CLINIC_NAME = "Harbor Spine Center"
    response = client.get("/")
    assert response.status_code == 200
    assertTemplateUsed(response, "base.html")
    assertContains(response, "Harbor Spine Center")
    footer = BeautifulSoup(response.content, "html.parser").find("footer")
    assert "are not medical advice" in " ".join(footer.get_text().split())
    assertContains(response, 'href="/privacy/"')
    assertContains(response, 'href="#main"')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/privacy/", "Privacy"),
        ("/disclaimer/", "Medical disclaimer"),
        ("/contact/", "Contact us"),
        ("/about/", "About the clinic"),
    ],
)
def test_site_pages_render(client, standard_pages, path, heading):
    response = client.get(path)
    assertContains(response, f"<h1>{heading}</h1>", html=True)


@pytest.mark.django_db
def test_unknown_page_uses_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assertTemplateUsed(response, "404.html")
    assertContains(response, "We could not find that page", status_code=404)


def test_server_error_page_renders_without_a_database(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_a_database_outage_gets_the_503_page_with_retry_after(rf):
    from django.db import OperationalError

    from clinic.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"We will be back in a moment" in response.content
    assert b"site.css" in response.content


@pytest.mark.django_db
def test_stylesheet_is_served(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert b"--color-brand" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_ready_once_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["migrations"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reports_a_media_store_outage(client, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def unreachable(storage, name):
        raise OSError("bucket unreachable")

    monkeypatch.setattr(FileSystemStorage, "exists", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error"
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_healthz_reports_a_database_outage(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("clinic.views.connection.cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


@pytest.mark.django_db
def test_healthz_reports_a_cache_outage(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            # A port nothing listens on.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "error",
        "storage": "ok",
    }


def test_development_server_serves_uploaded_images():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django; django.setup(); from django.urls import resolve; "
        "print(resolve('/media/images/a.jpg').func.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_DEBUG": "1",
            "PATH": "/usr/bin:/bin",
        },
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "serve", result.stderr


@pytest.mark.django_db
def test_editors_change_a_standard_page_and_readers_see_it_sanitized(
    client, editor, standard_pages, django_capture_on_commit_callbacks
):
    from django.test import Client

    assertContains(Client().get("/contact/"), "Contact us")  # Now cached.
    contact = standard_pages["/contact/"]
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/flatpages/flatpage/{contact.pk}/change/",
            {
                "url": "/contact/",
                "title": "Call <b>us</b>",
                "content": "<p>Ring 0100 200 300.</p><script>alert(1)</script>"
                '<p onclick="x()">Open 9 to 5.</p>',
                "sites": [1],
                "template_name": "",
            },
        )
    assert response.status_code == 302
    page = Client().get("/contact/")
    assertContains(page, "<h1>Call us</h1>", html=True)
    assertContains(page, "Ring 0100 200 300.")
    assertNotContains(page, "alert(1)")
    assertNotContains(page, "onclick")


@pytest.mark.django_db
def test_the_call_to_action_and_the_sitemap_lead_to_real_pages(client, standard_pages):
    from articles.models import SiteConfiguration

    cta = SiteConfiguration.load().cta_url
    assert client.get(cta).status_code == 200
    sitemap = sitemap_text(client)
    for path in ("/contact/", "/about/", "/privacy/", "/disclaimer/"):
        assert f"{path}</loc>" in sitemap


@pytest.mark.django_db
def test_a_page_an_editor_adds_is_served_in_the_layout(client, standard_pages):
    from django.contrib.flatpages.models import FlatPage

    page = FlatPage.objects.create(
        url="/visiting/", title="Visiting", content="<p>Parking at the back.</p>"
    )
    page.sites.add(1)
    response = client.get("/visiting/")
    assertContains(response, "Parking at the back.")
    assertContains(response, 'class="site-footer')


@pytest.mark.parametrize(
    ("name", "argument"),
    [("articles:detail", "back-pain-2"), ("comments:permalink", 918273645546372818)],
)
def test_a_url_reversed_once_for_a_list_is_the_one_reverse_gives(name, argument):
    assert reverser(name)(argument) == reverse(name, args=[argument])
