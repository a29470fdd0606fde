"""
Background work, queued through the Django tasks API. Every task takes a
`request_id` (given by `articles.logs.queue`) so that its log lines name
the request that queued it.
"""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from .logs import queue

logger = logging.getLogger(__name__)

#: Attempts at sending one email before it is given up (and logged).
MAX_EMAIL_ATTEMPTS = 5


@task()
def send_email(
    *,
    subject: str,
    body: str,
    recipients: list[str],
    attempt: int = 1,
    request_id: str = "",
) -> int:
    """
    Send one plain-text email; return the number of messages sent. When the
    mail server fails, a retry is queued with a growing delay and this run
    fails, so the failure is recorded with the task.
    """
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
                attempt=attempt + 1,
                request_id=request_id,
            )
            logger.warning("Email %r failed; retry %d queued", subject, attempt + 1)
        else:
            logger.error("Email %r failed %d times; giving up", subject, attempt)
        raise


@task()
def publish_scheduled(request_id: str = "") -> int:
    """Publish the signed-off articles that are due; return how many."""
    from .services import publish_due_articles

    return publish_due_articles()


@task()
def verify_backlink_task(*, backlink_id: int, request_id: str = "") -> str:
    """Verify one backlink by fetching its page; return its new status."""
    from .models import Backlink
    from .services import verify_backlink

    backlink = Backlink.objects.filter(pk=backlink_id).first()
    if backlink is None:
        return "gone"
    return verify_backlink(backlink=backlink).status


@task()
def verify_all_backlinks(request_id: str = "") -> int:
    """Queue a fresh verification of every backlink not rejected."""
    from .models import Backlink

    ids = list(Backlink.objects.due_for_check().values_list("pk", flat=True))
    for backlink_id in ids:
        queue(verify_backlink_task, backlink_id=backlink_id)
    return len(ids)


@task()
def check_outbound_links_task(request_id: str = "") -> dict:
    """Check the outside links that are due; return counts by status."""
    from .services import check_outbound_links

    return check_outbound_links()
