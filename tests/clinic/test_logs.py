import json
import logging

import pytest

from clinic.logs import JSONFormatter
from comments.forms import form_token
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def lines(caplog):
    """The captured records as the JSON lines production writes."""
    formatter = JSONFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records]


def test_each_request_is_one_json_line_with_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="clinic.requests")
    response = client.get("/", headers={"X-Request-ID": "edge-42"})
    assert response["X-Request-ID"] == "edge-42"
    [line] = [line for line in lines(caplog) if line["logger"] == "clinic.requests"]
    assert line["request_id"] == "edge-42"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["level"] == "INFO"
    assert line["duration_ms"] >= 0
    assert "time" in line


def test_a_request_without_an_id_gets_one(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_a_forged_id_is_replaced(client):
    response = client.get("/", headers={"X-Request-ID": "x" * 65 + "\n"})
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db(transaction=True)  # Commits run their callbacks.
def test_tasks_a_request_queues_carry_its_id_and_no_personal_data(
    client, caplog, settings, site
):
    settings.CLINIC_COMMENT_MIN_SECONDS = 0
    UserFactory(username="mod", role="Moderators", email="mod@clinic.example")
    article = ArticleFactory(published=True)
    caplog.set_level(logging.INFO)
    post = client.post(
        f"/articles/{article.slug}/comments/?utm_source=maya%40mail.example",
        {
            "body": "Can I drive a week after the procedure?",
            "author_name": "Maya",
            "author_email": "maya@mail.example",
            "token": form_token(article.pk),
        },
        REMOTE_ADDR="203.0.113.7",
        headers={"X-Request-ID": "post-7"},
    )
    assert post.status_code == 302
    records = lines(caplog)
    [task] = [line for line in records if line["logger"] == "clinic.tasks"]
    assert task["task"] == "clinic.tasks.send_email"
    assert task["status"] == "SUCCESSFUL"
    assert task["request_id"] == "post-7"
    [request] = [line for line in records if line["logger"] == "clinic.requests"]
    assert request["path"] == f"/articles/{article.slug}/comments/"
    text = json.dumps(records)
    for secret in ("maya@mail.example", "maya%40mail.example", "203.0.113.7"):
        assert secret not in text


def test_signed_tokens_in_paths_are_masked(client, caplog):
    caplog.set_level(logging.INFO, logger="clinic.requests")
    client.get("/comments/unsubscribe/eyJhIjoxfQ.signature-part/")
    [line] = [line for line in lines(caplog) if line["logger"] == "clinic.requests"]
    assert line["path"] == "/comments/unsubscribe/<token>/"
