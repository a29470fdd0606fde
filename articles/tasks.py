"""Background work, queued through the Django tasks API."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text email; return the number of messages sent."""
    return send_mail(subject, body, None, recipients)
