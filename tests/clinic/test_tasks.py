import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from clinic.tasks import send_email


def test_send_email_runs_at_once_in_tests():
    result = send_email.enqueue(
        subject="Hello", body="A test message.", recipients=["a@example.com"]
    )
    assert result.return_value == 1
    assert mail.outbox[0].subject == "Hello"
    assert mail.outbox[0].to == ["a@example.com"]


@pytest.mark.django_db(transaction=True)
def test_database_backend_queues_until_the_worker_runs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send_email.enqueue(subject="Queued", body="Later.", recipients=["b@example.com"])
    assert DBTaskResult.objects.get().status == "READY"
    assert mail.outbox == []

    call_command("db_worker", batch=True, reload=False, startup_delay=False)

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert [message.subject for message in mail.outbox] == ["Queued"]


class BrokenMailServer:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.mark.django_db(transaction=True)
def test_failed_email_is_recorded_and_retried_later(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "tests.clinic.test_tasks.BrokenMailServer"
    send_email.enqueue(subject="Held comment", body="x", recipients=["m@example.com"])

    call_command("db_worker", batch=True, reload=False, startup_delay=False)

    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == "FAILED"
    assert "mail server down" in first.traceback
    assert retry.status == "READY"
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > first.finished_at


@pytest.mark.django_db
def test_scheduler_queues_every_periodic_task(capsys):
    call_command("run_scheduler", once=True)
    out = capsys.readouterr().out
    assert "Queued articles.services.publish_scheduled" in out
    assert "Queued comments.services.purge_old_comments" in out


@pytest.mark.django_db(transaction=True)
def test_the_queue_is_a_setting_and_app_code_only_uses_the_tasks_api(
    client, settings, site
):
    """
    Another backend of the Django tasks API (here the dummy one, which only
    records) takes the app's work with no change to app code: this is how a
    bigger queue (an RQ or Celery backend) is swapped in.
    """
    from django_tasks import default_task_backend

    from comments.forms import form_token
    from tests.factories import ArticleFactory, UserFactory

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.CLINIC_COMMENT_MIN_SECONDS = 0
    UserFactory(username="mod", role="Moderators", email="mod@clinic.example")
    article = ArticleFactory(published=True)
    response = client.post(
        f"/articles/{article.slug}/comments/",
        {
            "body": "Is swimming allowed after a week?",
            "author_name": "Maya",
            "author_email": "maya@mail.example",
            "token": form_token(article.pk),
        },
        headers={"X-Request-ID": "swap-1"},
    )
    assert response.status_code == 302
    [queued] = default_task_backend.results
    assert queued.task.module_path == "clinic.tasks.send_email"
    assert queued.kwargs["recipients"] == ["mod@clinic.example"]
    assert queued.kwargs["request_id"] == "swap-1"
    assert mail.outbox == []  # Queued, not run: the other queue's worker would.
