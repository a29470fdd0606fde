"""
Background work, queued through the Django tasks API. Every task takes a
`request_id` (given by `clinic.logs.queue`) so that its log lines name
the request that queued it.
"""

from django_tasks import task

from clinic.logs import queue


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
