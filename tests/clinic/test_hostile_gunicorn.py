"""
Hostile requests to the real server: gunicorn with production settings, the
embedded SQLite database and the shared file cache a small clinic runs.
"""

import re
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import gif_frame_bomb
from tests.servers import Gunicorn, manage, production_env

pytestmark = pytest.mark.security

ARTICLE = "/articles/kyphoplasty-vertebral-compression-fractures/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site under gunicorn (2 workers); yields its base URL and env."""
    data = tmp_path_factory.mktemp("hostile")
    env = production_env(
        DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}",
        CLINIC_CACHE_DIR=str(data / "cache"),
        DJANGO_MEDIA_ROOT=str(data / "media"),
        # Plain http on 127.0.0.1: the cookies must travel without TLS.
        DJANGO_SESSION_COOKIE_SECURE="0",
        DJANGO_CSRF_COOKIE_SECURE="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo", "--force")
    manage(env, "collectstatic", "--noinput")
    server = Gunicorn(env)
    server.start()
    yield {"url": server.url, "server": server}
    server.stop()


def workers_rss(server):
    """Resident memory (bytes) of each gunicorn worker, by pid."""
    master = server.process.pid
    sizes = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", text, re.M):
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            sizes[status.parent.name] = int(rss[1]) * 1024 if rss else 0
    return sizes


def test_a_strange_host_and_language_do_not_reach_other_readers(site, refusal):
    port = site["url"].rsplit(":", 1)[1]
    with httpx.Client(base_url=site["url"]) as client:
        poisoned = client.get(
            ARTICLE, headers={"Host": "localhost:1", "Accept-Language": "ru"}
        )
        assert poisoned.status_code == 200
        reader = client.get(ARTICLE)
        again = client.get(ARTICLE)
    assert reader.status_code == 200
    assert "localhost:1" not in reader.text
    assert f'href="http://127.0.0.1:{port}/articles/' in reader.text
    assert again.headers["X-Page-Cache"] == "hit"
    assert "localhost:1" not in again.text
    refusal("cache poisonings refused")


def test_an_animation_bomb_costs_a_worker_nothing(site, refusal, figures):
    with httpx.Client(base_url=site["url"]) as client:
        login = client.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
        client.post(
            "/admin/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": "editor",
                "password": "demo-editor-pass",
                "next": "/admin/",
            },
        )
        before = workers_rss(site["server"])
        started = time.monotonic()
        response = client.post(
            "/editor/upload-image/",
            files={"upload": ("spinner.gif", gif_frame_bomb(), "image/gif")},
            headers={
                "X-CSRFToken": client.cookies["csrftoken"],
                "Referer": f"{site['url']}/admin/",
            },
        )
        seconds = time.monotonic() - started
        after = workers_rss(site["server"])
        # Both workers still answer.
        assert all(client.get("/healthz").status_code == 200 for _ in range(4))
    growth = max(after.get(pid, 0) - size for pid, size in before.items())
    figures["GIF bomb through gunicorn: seconds, worker growth MB"] = [
        round(seconds, 2),
        round(growth / 2**20, 1),
    ]
    assert response.status_code == 400, response.text
    assert "40 frames" in response.json()["error"]["message"]
    assert seconds < 2
    assert growth < 50 * 2**20
    assert set(after) == set(before)  # No worker was killed and replaced.
    refusal("uploads refused")
