"""
The dotted paths the background tasks had before they moved next to their
services. A server still running the previous release during an upgrade
queues tasks under these names; a worker of this release runs them through
this module. Migration articles.0014 points rows already stored at the new
paths.
"""

from articles.hub.services.backlinks import verify_all_backlinks, verify_backlink_task
from articles.hub.services.link_checks import check_outbound_links_task
from articles.services import publish_scheduled
from clinic.tasks import send_email

__all__ = [
    "check_outbound_links_task",
    "publish_scheduled",
    "send_email",
    "verify_all_backlinks",
    "verify_backlink_task",
]
