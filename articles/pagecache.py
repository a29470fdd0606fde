"""
Whole-page cache for anonymous readers.

Pages are stored under a key that includes a site-wide generation number.
`invalidate_public_pages()` bumps the number, so every cached page goes stale
at once when published content changes; stale entries simply expire.

Only anonymous GET requests without pending messages are served from or
stored in the cache, and only responses that set no cookie are stored, so a
cached page never carries one visitor's data (session, CSRF token, message)
to another.
"""

import contextlib
import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

GENERATION_KEY = "pages:generation"


def _generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def invalidate_public_pages():
    """Make every cached public page stale; return the new generation."""
    try:
        return cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 2, timeout=None)
        return cache.get(GENERATION_KEY)


def _cacheable_request(request):
    # A reader with a session may be logged in or have messages waiting.
    return (
        request.method in ("GET", "HEAD")
        and "messages" not in request.COOKIES
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        # A comment writer's link to their own comment awaiting moderation.
        and "awaiting" not in request.GET
    )


def public_page(view):
    """Serve `view` from the page cache to anonymous readers."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        timeout = settings.CLINIC_PAGE_CACHE_SECONDS
        if not timeout or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        try:
            key = f"pages:{_generation()}:{digest}"
            hit = cache.get(key)
        except Exception:  # A cache outage must not take pages down.
            return view(request, *args, **kwargs)
        if hit is not None:
            content, content_type, headers = hit
            response = HttpResponse(content, content_type=content_type)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        # A page that used the reader's CSRF token belongs to that reader.
        used_csrf = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        if response.status_code == 200 and not response.cookies and not used_csrf:
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() in ("link", "x-robots-tag", "content-language")
            ]
            # A cache outage must not take pages down.
            with contextlib.suppress(Exception):
                cache.set(
                    key,
                    (response.content, response["Content-Type"], headers),
                    timeout,
                )
        response["X-Page-Cache"] = "miss"
        return response

    return wrapped
