"""Background work, queued through the Django tasks API."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text email; return the number of messages sent."""
    return send_mail(subject, body, None, recipients)


@task()
def publish_scheduled() -> int:
    """Publish the signed-off articles that are due; return how many."""
    from .services import publish_due_articles

    return publish_due_articles()
