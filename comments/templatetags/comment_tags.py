from django import template
from django.utils.html import urlize
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines

register = template.Library()


@register.filter
def comment_html(text):
    """
    Return a comment's text as safe HTML: everything escaped, line breaks
    kept, web addresses made into links marked as user content.
    """
    linked = urlize(text, trim_url_limit=60, nofollow=True, autoescape=True)
    linked = linked.replace('rel="nofollow"', 'rel="nofollow ugc noopener"')
    return mark_safe(normalize_newlines(linked).replace("\n", "<br>"))
