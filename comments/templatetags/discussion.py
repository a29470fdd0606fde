from django import template

from comments.models import DiscussionSettings

register = template.Library()


@register.simple_tag
def retention_days():
    """Return the days IP fingerprints and old spam are kept."""
    return DiscussionSettings.cached().retention_days
