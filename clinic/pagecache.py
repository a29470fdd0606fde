"""
Whole-page cache for anonymous readers.

Pages are stored under a key that includes a site-wide generation number.
`invalidate_public_pages()` bumps the number, so every cached page goes stale
at once when published content changes; stale entries simply expire.

A page may also belong to a scope (`public_page(view, scope=…)`): the page
of one article, the lists of articles, or the hub page. Its key then
includes the scope's own generation too, and `invalidate_scopes()` makes
the pages of those scopes stale and no other: a comment approved on one
article changes that article's page and the lists that count its comments,
and a backlink shown or hidden changes its article's page and the hub, not
the site.

Only anonymous GET requests without pending messages are served from or
stored in the cache, and only responses that set no cookie are stored, so a
cached page never carries one visitor's data (session, CSRF token, message)
to another.

Two layers share the generation: `public_page` caches a view's rendered
content (it works under any handler, the test client included), and
`CachedPagesApp` wraps the WSGI application so that a page already served
once is answered, with every header the middleware added, before Django
builds a request object at all. Under the WSGI layer `public_page` leaves the
storing to it, so each page is kept once.
"""

import contextlib
import hashlib
import threading
import time
from collections import OrderedDict
from functools import lru_cache, wraps
from http.cookies import SimpleCookie

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.http.request import split_domain_port, validate_host
from django.urls import Resolver404, resolve

from . import logs

GENERATION_KEY = "pages:generation"
SCOPE_PREFIX = "pages:scope:"
#: The scope of every page that lists articles with their comment counts.
LISTS = "lists"
#: The scope of the public hub page, which lists the backlinks readers see.
HUB = "hub"
#: Set in the WSGI environ by CachedPagesApp when it will store the response
#: itself, so that `public_page` does not keep a second copy.
STORED_BY_WSGI = "clinic.page_cache"


def _fresh_generation(after=0):
    """
    A generation number never used before: the current time in
    microseconds (or one more than `after`). A generation that the cache
    lost (evicted, expired, restarted) therefore never comes back with the
    pages that were kept under it.
    """
    return max(time.time_ns() // 1000, after + 1)


def generation():
    """
    Return the current generation of public content (an int), or None when
    the cache cannot be reached (its errors are ignored, see settings): then
    nothing may be served from it or kept in it.
    """
    current = cache.get(GENERATION_KEY)
    if current is None:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        current = cache.get(GENERATION_KEY)
    return current


def kept_until_content_changes(key, load):
    """
    Return what `load()` returns (the settings a public page reads), kept
    in the cache under `key` until public content next changes (or for an
    hour): one round trip while it is kept. When the cache cannot be
    reached, `load()` every time.
    """
    found = cache.get_many([GENERATION_KEY, key])
    current = found.get(GENERATION_KEY) or generation()
    if current is None:
        return load()
    kept = found.get(key)
    if kept is not None and kept[0] == current:
        return kept[1]
    value = load()
    cache.set(key, (current, value), 3600)
    return value


def invalidate_public_pages():
    """
    Make every cached public page stale; return the new generation (None
    when the cache cannot be reached). Set, not incremented: a cache's incr
    may reset the key's lifetime (the file cache does).
    """
    cache.set(
        GENERATION_KEY,
        _fresh_generation(after=cache.get(GENERATION_KEY) or 0),
        timeout=None,
    )
    return cache.get(GENERATION_KEY)


def invalidate_after_commit():
    """Make cached public pages stale once the current transaction commits."""
    transaction.on_commit(invalidate_public_pages)


def article_scope(slug):
    """The scope of an article's page."""
    return f"article:{slug}"


def _token(found, scope):
    """
    The generation a page of `scope` is kept under, from `found` (what a
    get_many of GENERATION_KEY and the scope's key returned), starting any
    generation the cache lacks; None when the cache cannot be reached.
    """
    site = found.get(GENERATION_KEY) or generation()
    if site is None or scope is None:
        return site
    key = SCOPE_PREFIX + scope
    part = found.get(key)
    if part is None:
        cache.add(key, _fresh_generation(), timeout=None)
        part = cache.get(key)
        if part is None:
            return None
    return f"{site}.{part}"


def page_generation(scope=None):
    """The generation of the pages of `scope` (None: the site's alone), in
    one round trip; None when the cache cannot be reached."""
    keys = [GENERATION_KEY] + ([SCOPE_PREFIX + scope] if scope else [])
    return _token(cache.get_many(keys), scope)


def invalidate_scopes(*scopes):
    """Make the cached pages of `scopes` stale, and no other page."""
    for scope in scopes:
        key = SCOPE_PREFIX + scope
        cache.set(key, _fresh_generation(after=cache.get(key) or 0), timeout=None)


def invalidate_scopes_after_commit(*scopes):
    """invalidate_scopes() once the current transaction commits."""
    transaction.on_commit(lambda: invalidate_scopes(*scopes))


def scope_of_path(path):
    """
    The scope of the page at `path` (see public_page), or None. Paths of
    ordinary length are remembered (8,192 of them): a long one, which only
    a made-up request has, is resolved each time and never kept.
    """
    if len(path) > 256:
        return _resolve_scope(path)
    return _remembered_scope(path)


def _resolve_scope(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    scope = getattr(match.func, "page_scope", None)
    return scope(**match.kwargs) if scope else None


_remembered_scope = lru_cache(maxsize=8192)(_resolve_scope)


def fragment_settings(request, preview=False, scope=None):
    """
    Return the template variables of the fragment cache: `fragment_cache`
    (the cache alias, "off" when fragments must not be kept or the cache is
    down), `fragment_seconds` and `content_generation`, which every fragment
    key includes: the generation (of `scope`'s pages) and the scheme and
    host the page was asked for, as fragments hold absolute URLs.
    """
    seconds = settings.CLINIC_FRAGMENT_CACHE_SECONDS
    current = page_generation(scope) if seconds and not preview else None
    return {
        "fragment_cache": "default" if current is not None else "off",
        "fragment_seconds": seconds,
        "content_generation": f"{current}:{_origin(request)}",
    }


def _origin(request):
    """The scheme, host and port a request named (validated by Django)."""
    return f"{request.scheme}://{request.get_host().lower()}"


def port_is_served(host, scheme, server_port):
    """
    True when the port `host` names (if any) is one this site is reached
    on: the scheme's default or the server's own. A Host header with any
    other port is a request nobody else makes: it is answered, never cached.
    """
    _domain, port = split_domain_port(host)
    if not port:
        return True
    return port in {str(server_port), "443" if scheme == "https" else "80"}


def _cacheable_request(request):
    # A reader with a session may be logged in or have messages waiting.
    return (
        request.method == "GET"
        and "messages" not in request.COOKIES
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        # A comment writer's link to their own comment awaiting moderation.
        and "awaiting" not in request.GET
        and port_is_served(
            request.get_host(), request.scheme, request.META.get("SERVER_PORT")
        )
    )


def public_page(view, scope=None):
    """
    Serve `view` from the page cache to anonymous readers. `scope`, given
    the view's keyword arguments, names the scope of the page (or None).
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        timeout = settings.CLINIC_PAGE_CACHE_SECONDS
        if not timeout or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        if request.META.get(STORED_BY_WSGI):
            # CachedPagesApp looked for this page already and keeps it.
            response = view(request, *args, **kwargs)
            response["X-Page-Cache"] = "miss"
            return response
        current = page_generation(scope(**kwargs) if scope else None)
        if current is None:
            return view(request, *args, **kwargs)
        # Pages hold absolute URLs: one page per scheme, host and port.
        digest = hashlib.sha256(
            f"{_origin(request)}{request.get_full_path()}".encode()
        ).hexdigest()
        key = f"pages:{current}:{digest}"
        hit = cache.get(key)
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
                if name.lower()
                in ("link", "x-robots-tag", "content-language", "last-modified")
            ]
            cache.set(
                key, (response.content, response["Content-Type"], headers), timeout
            )
        response["X-Page-Cache"] = "miss"
        return response

    wrapped.page_scope = scope
    return wrapped


class CachedPagesApp:
    """
    WSGI middleware: answer anonymous GETs of public pages from the cache.

    A response is stored when the view was a `public_page` (it carries
    X-Page-Cache), answered 200 and set no cookie. One cache round trip
    (the generation and the page together) decides a hit. Requests that
    Django would redirect to HTTPS or refuse for their Host go through.

    Each process also keeps the pages it served last in memory (up to
    LOCAL_BYTES) and reads the shared generation at most once every
    CLINIC_PAGE_CACHE_LOCAL_SECONDS: a popular page is then answered with
    no round trip at all, and an invalidation reaches every process within
    that many seconds. 0 turns the local copy off.
    """

    LOCAL_BYTES = 32 * 1024 * 1024

    #: Scopes whose generation a process remembers (each a few bytes).
    LOCAL_SCOPES = 20_000

    def __init__(self, application):
        self.application = application
        self._local = OrderedDict()
        self._local_bytes = 0
        #: Scope (None: the site's pages) -> (generation, when it was read).
        self._generations = {}
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        found_key = self._key(environ)
        if found_key is None:
            return self.application(environ, start_response)
        key, scope = found_key
        current, read_at = self._generations.get(scope, (None, 0.0))
        fresh = time.monotonic() - read_at < settings.CLINIC_PAGE_CACHE_LOCAL_SECONDS
        entry = self._local.get(key) if fresh else None
        if entry is None or entry[0] != current:
            keys = [GENERATION_KEY, key] + ([SCOPE_PREFIX + scope] if scope else [])
            found = cache.get_many(keys)
            # An empty cache starts at the first generation.
            current = _token(found, scope)
            if current is None:  # The cache cannot be reached.
                return self.application(environ, start_response)
            if len(self._generations) >= self.LOCAL_SCOPES:
                self._generations.clear()
            self._generations[scope] = (current, time.monotonic())
            entry = found.get(key)
            if entry is not None and entry[0] == current:
                self._keep(key, entry)
        if entry is not None and entry[0] == current:
            _, status, headers, body = entry
            request_id = logs.log_cached_request(environ, status, started)
            start_response(
                status,
                [*headers, ("X-Page-Cache", "hit"), ("X-Request-ID", request_id)],
            )
            return [body]
        return self._render_and_store(environ, start_response, key, current)

    def _keep(self, key, entry):
        """Keep `entry` in this process's memory, dropping the oldest."""
        if not settings.CLINIC_PAGE_CACHE_LOCAL_SECONDS:
            return
        with self._lock:
            old = self._local.pop(key, None)
            if old is not None:
                self._local_bytes -= len(old[3])
            self._local[key] = entry
            self._local_bytes += len(entry[3])
            while self._local_bytes > self.LOCAL_BYTES and self._local:
                _, dropped = self._local.popitem(last=False)
                self._local_bytes -= len(dropped[3])

    def _render_and_store(self, environ, start_response, key, current):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        environ[STORED_BY_WSGI] = True
        result = self.application(environ, capture)
        headers = captured.get("headers", [])
        names = {name.lower() for name, _ in headers}
        if (
            not captured.get("status", "").startswith("200")
            or "x-page-cache" not in names
            or "set-cookie" in names
        ):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        kept = [
            (n, v)
            for n, v in headers
            if n.lower() not in ("x-page-cache", "x-request-id")
        ]
        entry = (current, captured["status"], kept, body)
        cache.set(key, entry, settings.CLINIC_PAGE_CACHE_SECONDS)
        self._keep(key, entry)
        return [body]

    def _key(self, environ):
        """Return the cache key and the scope of a request that may be
        answered from the cache, or None."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        if not settings.CLINIC_PAGE_CACHE_SECONDS:
            return None
        query = environ.get("QUERY_STRING", "")
        if "awaiting" in query:
            return None
        cookie = environ.get("HTTP_COOKIE", "")
        if cookie:
            names = SimpleCookie()
            with contextlib.suppress(Exception):
                names.load(cookie)
            if "messages" in names or settings.SESSION_COOKIE_NAME in names:
                return None
        scheme = environ.get("wsgi.url_scheme", "http")
        header, value = settings.SECURE_PROXY_SSL_HEADER or (None, None)
        if header and environ.get(header, "").split(",")[0].strip() == value:
            scheme = "https"
        if settings.SECURE_SSL_REDIRECT and scheme != "https":
            return None
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        domain, _ = split_domain_port(host)
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        if not domain or not validate_host(domain, allowed):
            return None
        if not port_is_served(host, scheme, environ.get("SERVER_PORT")):
            return None
        path = environ.get("PATH_INFO", "/")
        full_path = path + ("?" + query if query else "")
        # Pages hold absolute URLs: one page per scheme, host and port.
        digest = hashlib.sha256(
            f"{scheme}://{host.lower()}{full_path}".encode()
        ).hexdigest()
        return f"pages:wsgi:{digest}", scope_of_path(path)
