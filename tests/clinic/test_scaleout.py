"""
Scale-out on one machine: two gunicorn instances of the site behind nginx
(round robin), one PostgreSQL, one Redis, a task worker and an S3 server
(moto). Everything goes through the same settings a production server
uses, with TLS left out (plain HTTP on 127.0.0.1). Every process is started
and stopped here.
"""

import http.server
import io
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.core import signing

from comments.forms import TIMESTAMP_SALT
from tests.factories import image_bytes
from tests.helpers import skip_or_fail
from tests.servers import (
    ROOT,
    VENV_BIN,
    Gunicorn,
    Postgres,
    Redis,
    free_port,
    manage,
    missing_tools,
    production_env,
    wait_for_port,
)

pytestmark = pytest.mark.scaleout

SLUG = "kyphoplasty-vertebral-compression-fractures"
BUCKET = "clinic-media"
NGINX = "/usr/sbin/nginx"

NGINX_CONF = """
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream clinic_app {{
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 12m;
        add_header X-Upstream $upstream_addr always;
        location / {{
            proxy_pass http://clinic_app;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""


class OutsideSite(http.server.BaseHTTPRequestHandler):
    """A blog post that links to the clinic's kyphoplasty article."""

    def do_GET(self):
        body = (
            "<html><body><p>A clear guide: "
            f'<a href="http://127.0.0.1:8000/articles/{SLUG}/">'
            "kyphoplasty explained</a></p></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Processes:
    """Start processes and stop every one of them at the end."""

    def __init__(self):
        self.running = []

    def start(self, command, port=None, **kwargs):
        """Start `command`; wait until it listens on `port`, if it has one."""
        process = subprocess.Popen(command, **kwargs)
        self.running.append(process)
        if port is not None:
            wait_for_port(port, process=process)
        return process

    def stop_all(self):
        for process in reversed(self.running):
            process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def cluster():
    reason = missing_tools()
    if not reason and not Path(NGINX).exists():
        reason = "needs nginx (apt-get install nginx-light)"
    if reason:
        skip_or_fail(reason)
    processes = Processes()
    postgres, redis = Postgres(), Redis()
    postgres.start()
    redis.start()
    moto_port = free_port()
    processes.start(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
        moto_port,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    s3 = f"http://127.0.0.1:{moto_port}"
    import boto3

    boto3.client(
        "s3",
        endpoint_url=s3,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=BUCKET)
    outside = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OutsideSite)
    threading.Thread(target=outside.serve_forever, daemon=True).start()
    env = production_env(
        DATABASE_URL=postgres.create_database("clinic"),
        REDIS_URL=redis.url,
        CLINIC_S3_BUCKET=BUCKET,
        CLINIC_S3_ENDPOINT_URL=s3,
        CLINIC_S3_REGION="us-east-1",
        CLINIC_S3_ACCESS_KEY_ID="test",
        CLINIC_S3_SECRET_ACCESS_KEY="test",
        CLINIC_S3_DEFAULT_ACL="public-read",
        CLINIC_MEDIA_ORIGINS=s3,
        CLINIC_FETCH_ALLOW_LOOPBACK="1",
        # Plain HTTP on 127.0.0.1: no TLS to redirect to.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SESSION_COOKIE_SECURE="0",
        DJANGO_CSRF_COOKIE_SECURE="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo", "--force")
    manage(env, "collectstatic", "--noinput")
    first, second = Gunicorn(env), Gunicorn(env)
    first.start()
    second.start()
    processes.start(
        [str(VENV_BIN / "python"), "manage.py", "db_worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
    )
    directory = Path(tempfile.mkdtemp(prefix="clinic-nginx-"))
    port = free_port()
    (directory / "nginx.conf").write_text(
        NGINX_CONF.format(
            dir=directory, first=first.port, second=second.port, port=port
        )
    )
    processes.start(
        [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf"),
         "-g", "daemon off;"],
        port,
    )  # fmt: skip
    yield {
        "url": f"http://127.0.0.1:{port}",
        "instances": (first, second),
        "env": env,
        "s3": s3,
        "outside": f"http://127.0.0.1:{outside.server_port}",
    }
    processes.stop_all()
    first.stop()
    second.stop()
    outside.shutdown()
    redis.stop()
    postgres.destroy()
    shutil.rmtree(directory, ignore_errors=True)


def shell(env, code):
    return manage(env, "shell", "-c", code).stdout.strip().splitlines()[-1]


def article_pk(env):
    return int(
        shell(
            env,
            "from articles.models import Article; "
            f"print(Article.objects.get(slug={SLUG!r}).pk)",
        )
    )


def log_in(client, base, username, password):
    """Sign in through the admin's login form; return the client."""
    page = client.get(f"{base}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    answer = client.post(
        f"{base}/admin/login/?next=/admin/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.group(1),
        },
    )
    assert answer.status_code == 302, answer.text[:500]
    return client


def test_a_session_works_on_either_instance(cluster):
    with httpx.Client() as client:
        log_in(client, cluster["url"], "editor", "demo-editor-pass")
        upstreams = set()
        for _ in range(6):
            page = client.get(f"{cluster['url']}/admin/")
            assert page.status_code == 200
            # The editor's own admin home, not the login page.
            assert "Your drafts" in page.text
            upstreams.add(page.headers["X-Upstream"])
    ports = {f"127.0.0.1:{server.port}" for server in cluster["instances"]}
    assert upstreams == ports


def test_an_image_uploaded_on_one_is_served_by_the_other(cluster):
    first, second = cluster["instances"]
    with httpx.Client() as client:
        log_in(client, first.url, "editor", "demo-editor-pass")
        answer = client.post(
            f"{first.url}/editor/upload-image/",
            files={"upload": ("scan.png", image_bytes("PNG"), "image/png")},
            headers={"X-CSRFToken": client.cookies["csrftoken"]},
        )
        assert answer.status_code == 200, answer.text
        url = answer.json()["url"]
        assert url.startswith(f"{cluster['s3']}/{BUCKET}/")
        listing = client.get(f"{second.url}/admin/articles/image/")
        assert listing.status_code == 200
        assert url.rsplit("/", 1)[1] in listing.text
    stored = httpx.get(url)
    assert stored.status_code == 200
    from PIL import Image

    assert Image.open(io.BytesIO(stored.content)).size == (1200, 800)


def test_a_comment_on_one_is_moderated_on_the_other_and_shown_on_both(cluster):
    first, second = cluster["instances"]
    article = f"/articles/{SLUG}/"
    for server in (first, second):  # Both have the page cached.
        httpx.get(server.url + article)
        assert httpx.get(server.url + article).headers["X-Page-Cache"] == "hit"
    form = {
        "body": "Scale-out check: walking helped after day two.",
        "author_name": "Tess",
        "author_email": "tess@readers.example",
        # The reader spent a minute writing it.
        "token": signing.dumps(
            {"a": article_pk(cluster["env"]), "t": int(time.time()) - 60},
            key=cluster["env"]["DJANGO_SECRET_KEY"],
            salt=TIMESTAMP_SALT,
        ),
    }
    posted = httpx.post(f"{first.url}/articles/{SLUG}/comments/", data=form)
    assert posted.status_code == 302, posted.text[:300]
    with httpx.Client() as moderator:
        log_in(moderator, second.url, "moderator", "demo-moderator-pass")
        queue = moderator.get(f"{second.url}/admin/comments/comment/?status=pending")
        assert "Scale-out check" in queue.text
        pk = shell(
            cluster["env"],
            "from comments.models import Comment; print(Comment.objects.get("
            "author_email='tess@readers.example').pk)",
        )
        approved = moderator.post(
            f"{second.url}/admin/comments/comment/",
            data={
                "action": "approve",
                "_selected_action": [pk],
                "csrfmiddlewaretoken": moderator.cookies["csrftoken"],
            },
        )
        assert approved.status_code == 302
    # Each process may serve its own copy for CLINIC_PAGE_CACHE_LOCAL_SECONDS.
    deadline = time.monotonic() + 10
    for server in (first, second):
        while "Scale-out check" not in httpx.get(server.url + article).text:
            assert time.monotonic() < deadline, f"{server.url} kept the old page"


def test_a_webmention_on_one_is_verified_by_the_worker(cluster):
    first, _ = cluster["instances"]
    source = f"{cluster['outside']}/post/kyphoplasty-review"
    answer = httpx.post(
        f"{first.url}/webmention/",
        data={"source": source, "target": f"http://127.0.0.1:8000/articles/{SLUG}/"},
    )
    assert answer.status_code == 202, answer.text
    code = (
        "from articles.hub.models import Backlink; "
        f"print(Backlink.objects.get(source_url={source!r}).status)"
    )
    deadline = time.monotonic() + 30
    while (status := shell(cluster["env"], code)) != "verified":
        assert time.monotonic() < deadline, f"still {status}"


def test_healthz_checks_database_cache_and_storage(cluster):
    first, _ = cluster["instances"]
    answer = httpx.get(f"{first.url}/healthz")
    assert answer.status_code == 200
    assert answer.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
    }
    assert "no-cache" in answer.headers["Cache-Control"]
    ready = httpx.get(f"{first.url}/readyz")
    assert ready.status_code == 200
    assert json.loads(ready.text)["status"] == "ready"


def test_nginx_refuses_an_oversized_upload_before_python(cluster):
    answer = httpx.post(
        f"{cluster['url']}/editor/upload-image/",
        files={"upload": ("huge.jpg", b"\xff" * (13 * 1024 * 1024), "image/jpeg")},
    )
    assert answer.status_code == 413
    assert "nginx" in answer.text
