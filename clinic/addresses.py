"""
Where a request comes from and where this site lives: the reader's address
behind trusted proxies, this site's host names and absolute URLs.
"""

from django.conf import settings
from django.contrib.sites.models import Site


def client_ip(request):
    """
    Return the reader's IP address. Behind a reverse proxy listed in
    CLINIC_TRUSTED_PROXIES, it is the last address in X-Forwarded-For that
    no trusted proxy added; otherwise every reader would share the proxy's
    address, and its flood limit.
    """
    trusted = settings.CLINIC_TRUSTED_PROXIES
    address = request.META.get("REMOTE_ADDR", "")
    if address not in trusted:
        return address
    forwarded = request.headers.get("X-Forwarded-For", "")
    for hop in reversed([part.strip() for part in forwarded.split(",")]):
        if hop and hop not in trusted:
            return hop
    return address


def site_url(path):
    """Return `path` as an absolute URL on this site, for emails."""
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{Site.objects.get_current().domain}{path}"


def site_hosts():
    """Return the host names (lower case) this site answers to."""
    hosts = {host.lower() for host in settings.ALLOWED_HOSTS if "*" not in host}
    hosts.add(Site.objects.get_current().domain.lower())
    return {host.lstrip(".") for host in hosts}
