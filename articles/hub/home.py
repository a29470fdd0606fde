"""The Backlinks Hub's panels on the admin home (see clinic.home)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from clinic.home import Panel, Row, first_rows

from .models import Backlink, LinkCheck


def panels(user):
    if not (user.has_perm("hub.view_backlink") and user.has_perm("hub.view_link")):
        return []
    return link_panels()


def link_panels():
    """Broken outside links, and backlinks waiting for an editor's approval."""
    links = reverse("admin:hub_link_changelist")
    broken, broken_count = first_rows(
        LinkCheck.objects.broken().only("url", "http_status", "note").order_by("url")
    )
    awaiting, awaiting_count = first_rows(
        Backlink.objects.filter(status=Backlink.Status.VERIFIED, is_approved=False)
        .only("source_url", "referring_domain", "first_seen_at")
        .order_by("-first_seen_at", "-pk")
    )
    backlinks = reverse("admin:hub_backlink_changelist")
    return [
        Panel(
            "broken-links",
            _("Broken outside links"),
            _("No outside link is broken."),
            f"{links}?health=broken",
            [
                Row(
                    check.url,
                    f"{links}?{urlencode({'health': 'broken', 'q': check.url})}",
                    check.note or str(check.http_status or ""),
                )
                for check in broken
            ],
            broken_count,
        ),
        Panel(
            "backlinks-awaiting",
            _("New backlinks awaiting approval"),
            _("No backlink waits for approval."),
            f"{backlinks}?status__exact=verified&is_approved__exact=0",
            [
                Row(
                    backlink.referring_domain,
                    reverse("admin:hub_backlink_change", args=[backlink.pk]),
                    backlink.source_url,
                )
                for backlink in awaiting
            ],
            awaiting_count,
        ),
    ]
