"""
Load and faults against real servers: gunicorn (2 workers, production
settings) on a PostgreSQL cluster and a Redis server of the test's own, so
that the test can stop and start them.

Every comment carries a unique marker in its email address; afterwards the
database is asked, marker by marker, how many times each was stored.
"""

import http.client
import json
import threading
import time
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.core import signing

from comments.forms import TIMESTAMP_SALT
from tests.helpers import skip_or_fail
from tests.servers import (
    Gunicorn,
    Postgres,
    Redis,
    free_port,
    manage,
    missing_tools,
    production_env,
)

pytestmark = pytest.mark.security

SLUG = "kyphoplasty-vertebral-compression-fractures"
WRITERS = 16
COMMENTS = 2000


@pytest.fixture(scope="module")
def stack():
    """PostgreSQL, Redis and gunicorn with the demo site; yields a dict."""
    reason = missing_tools()
    if reason:
        skip_or_fail(reason)
    postgres, redis = Postgres(), Redis()
    postgres.start()
    redis.start()
    env = production_env(
        DATABASE_URL=postgres.create_database("clinic"),
        REDIS_URL=redis.url,
        # A mail server that is down: nothing listens on this port.
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(free_port()),
    )
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo", "--force")
    manage(env, "collectstatic", "--noinput")
    server = Gunicorn(env)
    server.start()
    yield {"postgres": postgres, "redis": redis, "server": server, "env": env}
    server.stop()
    redis.stop()
    postgres.destroy()


def shell(env, code):
    """Run `code` in the servers' environment; return its last output line."""
    return manage(env, "shell", "-c", code).stdout.strip().splitlines()[-1]


def article_pk(env):
    code = (
        "from articles.models import Article; "
        f"print(Article.objects.get(slug={SLUG!r}).pk)"
    )
    return int(shell(env, code))


def stored_markers(env, prefix):
    """Return {marker: times stored} for comments whose email starts so."""
    code = (
        "import json; from comments.models import Comment; "
        "print(json.dumps(list(Comment.objects.filter("
        f"author_email__startswith={prefix!r}).values_list('author_email', "
        "flat=True))))"
    )
    emails = json.loads(shell(env, code))
    return Counter(email.split("@")[0] for email in emails)


class Writer:
    """A reader's browser: posts the comment form, as nginx forwards it."""

    def __init__(self, server, env, pk):
        self.port = server.port
        self.secret = env["DJANGO_SECRET_KEY"]
        self.pk = pk

    def form(self, marker):
        token = signing.dumps(
            {"a": self.pk, "t": int(time.time()) - 60},
            key=self.secret,
            salt=TIMESTAMP_SALT,
        )
        return {
            "body": f"Thank you, this helped me prepare. [{marker}]",
            "author_name": "Reader",
            "author_email": f"{marker}@readers.example",
            "token": token,
            "homepage": "",
        }

    def send(self, form, address, method="POST", path=None):
        """Send `form`; return (status, headers)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                method,
                path or f"/articles/{SLUG}/comments/",
                body=urlencode(form) if form else None,
                headers={
                    "X-Forwarded-Proto": "https",
                    "X-Forwarded-For": address,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            response = connection.getresponse()
            response.read()
            return response.status, dict(response.getheaders())
        finally:
            connection.close()


def address(n):
    n += 1
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def run_writers(writer, markers, *, first_address, retry_until=None):
    """
    Post one comment per marker from WRITERS threads. With `retry_until` (a
    monotonic deadline) a refused post is sent again with the same form, as
    a browser's retry would; return {marker: [statuses]}.
    """
    answers = {marker: [] for marker in markers}
    forms = {marker: writer.form(marker) for marker in markers}
    numbers = {marker: first_address + n for n, marker in enumerate(markers)}

    def work(share):
        for marker in share:
            while True:
                status, _ = writer.send(forms[marker], address(numbers[marker]))
                answers[marker].append(status)
                if status == 302 or retry_until is None:
                    break
                if time.monotonic() > retry_until:
                    break

    threads = [
        threading.Thread(target=work, args=(markers[n::WRITERS],))
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_comments_are_stored_exactly_once(stack, figures):
    writer = Writer(stack["server"], stack["env"], article_pk(stack["env"]))
    markers = [f"load-{n}" for n in range(COMMENTS)]
    started = time.monotonic()
    answers = run_writers(writer, markers, first_address=0)
    elapsed = time.monotonic() - started
    stored = stored_markers(stack["env"], "load-")
    acknowledged = [m for m, statuses in answers.items() if statuses == [302]]
    refused = [m for m, statuses in answers.items() if statuses != [302]]
    server_errors = sum(s >= 500 for statuses in answers.values() for s in statuses)
    figures["load"] = {
        "posted": len(markers),
        "acknowledged": len(acknowledged),
        "stored_once": sum(stored[m] == 1 for m in acknowledged),
        "refused_but_stored": sum(m in stored for m in refused),
        "stored_twice": sum(count > 1 for count in stored.values()),
        "server_errors": server_errors,
        "per_second": round(len(markers) / elapsed, 1),
    }
    assert server_errors == 0
    assert len(acknowledged) == COMMENTS
    assert all(stored[m] == 1 for m in acknowledged)
    assert not any(m in stored for m in refused)
    assert sum(stored.values()) == len(acknowledged)


def test_double_submission_stores_one_comment(stack):
    writer = Writer(stack["server"], stack["env"], article_pk(stack["env"]))
    form = writer.form("double-1")
    # A double click: the same form twice at the same moment.
    statuses = []
    threads = [
        threading.Thread(
            target=lambda: statuses.append(writer.send(form, "10.200.0.1")[0])
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A retry after a timeout, minutes later, from another network.
    statuses.append(writer.send(form, "10.200.0.2")[0])
    assert statuses.count(302) == 3, statuses
    assert stored_markers(stack["env"], "double-") == {"double-1": 1}


def test_database_outage_answers_503_and_loses_nothing(stack, figures):
    writer = Writer(stack["server"], stack["env"], article_pk(stack["env"]))
    markers = [f"outage-{n}" for n in range(1500)]
    result = {}
    load = threading.Thread(
        target=lambda: result.update(
            answers=run_writers(
                writer,
                markers,
                first_address=100_000,
                retry_until=time.monotonic() + 120,
            )
        )
    )
    load.start()
    deadline = time.monotonic() + 60
    while not stored_markers(stack["env"], "outage-"):  # The load is under way.
        assert time.monotonic() < deadline, "no comment was stored"
    stack["postgres"].stop()
    try:
        status, headers = writer.send(writer.form("probe"), "10.201.0.1")
        health = writer.send(None, "10.201.0.2", method="GET", path="/healthz")
    finally:
        stack["postgres"].start()
    load.join(timeout=240)
    assert not load.is_alive(), "the writers did not finish"
    answers = result["answers"]
    statuses = Counter(s for values in answers.values() for s in values)
    stored = stored_markers(stack["env"], "outage-")
    figures["outage"] = {
        "posted": len(markers),
        "answers": dict(statuses),
        "stored_once": sum(stored[m] == 1 for m in markers),
        "lost": sum(m not in stored for m in markers),
    }
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert health[0] == 503
    assert statuses[500] == 0
    assert set(statuses) <= {302, 503}
    assert statuses[503] > 0, "the outage fell between two posts"
    assert all(values[-1] == 302 for values in answers.values())
    assert all(stored[m] == 1 for m in markers)
    # Recovered without a restart: the same workers answer again.
    assert writer.send(None, "10.201.0.3", method="GET", path="/healthz")[0] == 200


def test_redis_outage_keeps_pages_and_flood_control(stack):
    writer = Writer(stack["server"], stack["env"], article_pk(stack["env"]))
    stack["redis"].stop()
    try:
        page = writer.send(None, "10.202.0.1", method="GET", path=f"/articles/{SLUG}/")
        health = writer.send(None, "10.202.0.1", method="GET", path="/healthz")
        first = writer.send(writer.form("redis-1"), "10.202.0.9")
        second = writer.send(writer.form("redis-2"), "10.202.0.9")
    finally:
        stack["redis"].start()
    assert page[0] == 200
    assert health[0] == 503
    assert first[0] == 302
    assert second[0] == 429  # Flood control lives in the database.
    assert stored_markers(stack["env"], "redis-") == {"redis-1": 1}


def test_failed_email_is_retried_and_the_comment_kept(stack):
    env = stack["env"]
    writer = Writer(stack["server"], env, article_pk(env))
    assert writer.send(writer.form("mail-1"), "10.203.0.1")[0] == 302
    manage(env, "db_worker", "--batch", "--no-startup-delay")
    code = (
        "import json; from django_tasks_db.models import DBTaskResult; "
        "print(json.dumps([[r.status, r.args_kwargs['kwargs'].get('attempt', 1)] "
        "for r in DBTaskResult.objects.filter("
        "task_path='clinic.tasks.send_email').order_by('enqueued_at')]))"
    )
    results = json.loads(shell(env, code))
    assert ["FAILED", 1] in results
    assert ["READY", 2] in results  # The retry waits for its time.
    assert stored_markers(env, "mail-") == {"mail-1": 1}
