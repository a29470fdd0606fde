"""Periodic comment work, queued by `run_scheduler`."""

from django_tasks import task


@task()
def purge_old_comments(request_id: str = "") -> dict:
    """Erase old IP fingerprints and delete old spam and trash."""
    from .services import purge_comments

    return purge_comments()
