"""
The project's own background task: email. Every task takes a `request_id`
(given by `clinic.logs.queue`) so that its log lines name the request that
queued it.
"""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

#: Attempts at sending one email before it is given up (and logged).
MAX_EMAIL_ATTEMPTS = 5


@task()
def send_email(
    *,
    subject: str,
    body: str,
    recipients: list[str],
    about: list[str] = (),
    attempt: int = 1,
    request_id: str = "",
) -> int:
    """
    Send one plain-text email; return the number of messages sent. When the
    mail server fails, a retry is queued with a growing delay and this run
    fails, so the failure is recorded with the task. `about` marks whose
    personal data the email holds, so that erasing it finds the task row.
    """
    # A line break in a subject (from an article's title) is refused by the
    # mail library, and would be on every retry.
    subject = " ".join(subject.split())
    try:
        return send_mail(subject, body, None, recipients)
    except Exception:
        backend = send_email.get_backend()
        if attempt < MAX_EMAIL_ATTEMPTS and backend.supports_defer:
            delay = timedelta(minutes=2**attempt)
            send_email.using(run_after=timezone.now() + delay).enqueue(
                subject=subject,
                body=body,
                recipients=recipients,
                about=list(about),
                attempt=attempt + 1,
                request_id=request_id,
            )
            logger.warning("Email %r failed; retry %d queued", subject, attempt + 1)
        else:
            logger.error("Email %r failed %d times; giving up", subject, attempt)
        raise
