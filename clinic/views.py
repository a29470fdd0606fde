"""Pages of the whole site: robots.txt, health checks and the error handlers."""

import sys

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


#: Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """
    The 500 handler. When the database is unreachable the fault is
    passing, so answer 503 with Retry-After (clients and load balancers
    retry) instead of Django's 500. Renders without touching the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


def page_not_found(request, exception):
    """The 404 handler: inside the admin, an admin page; else the site's."""
    if _in_admin(request):
        return _admin_error(request, 404, _("Page not found"))
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    """The 403 handler: inside the admin, an admin page; else the site's."""
    if _in_admin(request):
        return _admin_error(request, 403, _("You cannot do this"))
    return defaults.permission_denied(request, exception)


def _in_admin(request):
    return request.path.startswith(reverse("admin:index"))


def _admin_error(request, status, title):
    from django.contrib import admin

    context = {**admin.site.each_context(request), "title": title}
    return HttpResponse(
        loader.render_to_string(f"admin/{status}.html", context, request),
        status=status,
    )


def _health_checks():
    """Return {"database"|"cache"|"storage": "ok" or "error"}."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "error"
    # An unreachable cache answers nothing (its errors are ignored).
    cache.set("healthz", "ok", 5)
    checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error"
    try:
        # One cheap call to the media store (a HEAD request for a bucket).
        default_storage.exists("healthz-probe")
        checks["storage"] = "ok"
    except Exception:  # Any storage error means uploads would fail.
        checks["storage"] = "error"
    return checks


@never_cache
def healthz(request):
    """Answer 200 when the database, the cache and the media store answer,
    503 otherwise."""
    checks = _health_checks()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


_migrations_applied = False


@never_cache
def readyz(request):
    """
    Answer 200 when this server may take traffic: healthy, and every
    migration applied (checked until it is true once per process).
    """
    global _migrations_applied
    checks = _health_checks()
    if not _migrations_applied and checks["database"] == "ok":
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_applied = not plan
    checks["migrations"] = "ok" if _migrations_applied else "pending"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
