"""
Security headers and cookies as production serves them: a fresh interpreter
with the production environment (DEBUG off, no test overrides) answers a
public page, the admin and an error page through Django's full stack.
"""

import json

import pytest

from tests.helpers import PRODUCTION_ENV, run_python

PROBE = """
import json, django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
# Production serves hashed static names from the manifest collectstatic makes.
call_command("collectstatic", verbosity=0, interactive=False)
from django.contrib.auth.models import User
User.objects.create_user("probe", password="a long probe password 42", is_staff=True)
from django.test import Client
client = Client(enforce_csrf_checks=True)
answers = {}
pages = {"public": "/", "admin": "/admin/login/", "error": "/no-such-page/"}
for name, path in pages.items():
    response = client.get(path, secure=True, headers={"Host": "clinic.example"})
    answers[name] = {"status": response.status_code, "headers": dict(response.items())}
csrf = client.cookies["csrftoken"]
response = client.post(
    "/admin/login/",
    {"username": "probe", "password": "a long probe password 42",
     "csrfmiddlewaretoken": csrf.value},
    secure=True,
    headers={"Host": "clinic.example", "Referer": "https://clinic.example/admin/login/"},
)
answers["login"] = {"status": response.status_code}
answers["cookies"] = {
    name: {key: morsel[key] for key in ("secure", "httponly", "samesite")}
    for name, morsel in client.cookies.items()
}
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    database = tmp_path_factory.mktemp("production") / "db.sqlite3"
    result = run_python(PROBE, **PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def directives(policy):
    return {
        part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
    }


@pytest.mark.parametrize("page", ["public", "admin", "error"])
def test_every_page_carries_the_security_headers(production, page):
    answer = production[page]
    headers = answer["headers"]
    assert answer["status"] == {"public": 200, "admin": 200, "error": 404}[page]
    policy = directives(headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_only_the_admin_allows_inline_styles(production):
    public = directives(production["public"]["headers"]["Content-Security-Policy"])
    admin = directives(production["admin"]["headers"]["Content-Security-Policy"])
    assert "'unsafe-inline'" not in " ".join(sum(public.values(), []))
    assert admin["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-inline'" not in admin["script-src"]


def test_cookies_are_secure_httponly_and_samesite(production):
    assert production["login"]["status"] == 302
    cookies = production["cookies"]
    assert cookies["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    # The admin's editor reads the CSRF token from its cookie.
    assert cookies["csrftoken"]["secure"] is True
    assert cookies["csrftoken"]["samesite"] == "Lax"
