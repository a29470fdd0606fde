import json

from django import template
from django.utils.safestring import mark_safe

from articles.glossary import explain_first_uses

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """
    Return `data` as JSON safe to place inside a <script> element: the
    characters that could close the element are escaped.
    """
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES))


@register.filter
def with_meanings(html):
    """
    Return an article's stored HTML (sanitized on save) with the meaning of
    each glossary term beside its first use.
    """
    return mark_safe(explain_first_uses(html))
