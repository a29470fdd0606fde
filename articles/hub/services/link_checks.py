"""
The health of the outside addresses our articles link to: checked in the
background, retried with back-off, reported as broken only when it lasts.
"""

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from ..fetch import FetchFailed, FetchRefused, fetch
from ..models import Link, LinkCheck

#: Consecutive failures (429, 5xx, network) before a URL is called broken.
FAILURES_BEFORE_BROKEN = 3
#: HEAD answers that mean "ask again with GET".
HEAD_REFUSED = {403, 405, 501}
NOTE_LENGTH = LinkCheck._meta.get_field("note").max_length

logger = logging.getLogger(__name__)


def probe_url(url):
    """
    Check one outside URL: HEAD, then GET when HEAD is refused. Return a dict
    with "http_status", "final_url", "redirects", "retry" (a passing failure)
    and "note". Never raises.
    """
    try:
        result = fetch(url, method="HEAD")
        if result.status in HEAD_REFUSED:
            result = fetch(url)
    except FetchRefused as error:
        note = f"refused: {error}"[:NOTE_LENGTH]
        return {"http_status": None, "retry": False, "note": note}
    except FetchFailed as error:
        name = type(error).__name__
        note = f"{name}: {error}"[:NOTE_LENGTH]
        return {"http_status": None, "retry": True, "note": note}
    except Exception as error:  # Whatever a page does, the batch goes on.
        logger.exception("Checking %s failed", url)
        note = f"not checked: {type(error).__name__}"[:NOTE_LENGTH]
        return {"http_status": None, "retry": True, "note": note}
    retry = result.status == 429 or result.status >= 500
    longest = LinkCheck._meta.get_field("final_url").max_length
    return {
        "http_status": result.status,
        "final_url": result.url if len(result.url) <= longest else "",
        "redirects": [hop[:longest] for hop in result.chain[1:]],
        "retry": retry,
        "note": f"answered {result.status}" if result.status >= 400 else "",
        "retry_after": result.headers.get("retry-after", ""),
    }


def _apply_probe(check, outcome, now):
    check.last_checked_at = now
    check.http_status = outcome["http_status"]
    check.final_url = outcome.get("final_url", "")
    check.redirects = outcome.get("redirects", [])
    check.note = outcome["note"]
    status = outcome["http_status"]
    if status is not None and status < 400:
        check.status, check.failures = LinkCheck.Status.OK, 0
        check.next_check_at = now + timedelta(days=7)
        return
    if outcome["retry"]:
        check.failures += 1
        broken = check.failures >= FAILURES_BEFORE_BROKEN
        check.status = LinkCheck.Status.BROKEN if broken else LinkCheck.Status.RETRYING
        wait = timedelta(hours=2**check.failures)
        retry_after = outcome.get("retry_after", "")
        if re.fullmatch(r"[0-9]{1,9}", retry_after):
            # Honoured up to a month; a server cannot put us off for years.
            wait = max(wait, timedelta(seconds=min(int(retry_after), 30 * 86400)))
        check.next_check_at = now + wait
        return
    check.status, check.failures = LinkCheck.Status.BROKEN, check.failures + 1
    check.next_check_at = now + timedelta(days=1)


def check_outbound_links(*, everything=False, urls=None, now=None, workers=8) -> dict:
    """
    Check the outside URLs our articles link to, several at a time: the due
    ones, all of them with `everything`, or just `urls`. Return counts by
    resulting status.
    """
    now = now or timezone.now()
    known = set(LinkCheck.objects.values_list("url", flat=True))
    linked = set(Link.objects.external().values_list("url", flat=True).distinct())
    LinkCheck.objects.bulk_create(
        [LinkCheck(url=url) for url in linked - known], ignore_conflicts=True
    )
    checks = LinkCheck.objects.filter(url__in=linked)
    if urls is not None:
        checks = checks.filter(url__in=urls)
    elif not everything:
        checks = checks.due(now)
    checks = list(checks)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(probe_url, [check.url for check in checks]))
    counts = {}
    for check, outcome in zip(checks, outcomes, strict=True):
        _apply_probe(check, outcome, now)
        check.save()
        counts[check.status] = counts.get(check.status, 0) + 1
    return counts


@task()
def check_outbound_links_task(request_id: str = "") -> dict:
    """Check the outside links that are due; return counts by status."""
    return check_outbound_links()
