"""
Where a request comes from and where this site lives: the reader's address
behind trusted proxies, this site's host names and absolute URLs (and the
URLs of a list of rows, reversed once), and which stored URLs are safe to
link to.
"""

import hashlib
import hmac
import ipaddress
import re

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

#: A valid number and slug that no URL pattern holds itself, marking where
#: a row's own argument goes in the URL reversed with it.
_ARGUMENT = "918273645546372819"


def reverser(name):
    """
    Return a function giving the URL of view `name` for one argument, a
    row's number or slug (characters a URL holds as they are), as reverse()
    gives it: for a list of rows, the URL is reversed once, not once a row.
    """
    before, after = reverse(name, args=[_ARGUMENT]).split(_ARGUMENT)
    return lambda argument: f"{before}{argument}{after}"


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


def keyed_hash(value):
    """
    Return a keyed hash (HMAC-SHA256, CLINIC_IP_HASH_KEY) of `value`.
    Without the key it cannot be reversed by trying every IPv4 address or
    a list of emails.
    """
    key = settings.CLINIC_IP_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def network_fingerprint(ip):
    """
    Return the keyed hash of the network an address belongs to ("" for
    none): the address itself, or for IPv6 its /64, which one household or
    server holds whole (otherwise one person could change address for every
    request).
    """
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return keyed_hash(ip)
    if address.version == 6 and not address.ipv4_mapped:
        ip = str(ipaddress.ip_network(f"{address}/64", strict=False))
    return keyed_hash(ip)


def site_url(path):
    """Return `path` as an absolute URL on this site, for emails."""
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{Site.objects.get_current().domain}{path}"


def site_hosts():
    """Return the host names (lower case) this site answers to."""
    hosts = {host.lower() for host in settings.ALLOWED_HOSTS if "*" not in host}
    hosts.add(Site.objects.get_current().domain.lower())
    return {host.lstrip(".") for host in hosts}


#: What a browser drops from anywhere inside a URL (WHATWG URL standard).
_URL_NOISE = re.compile(r"[\t\n\r]")
_WEB_URL = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)


def is_web_url(value, *, site_relative=False):
    """
    True for an absolute http(s) URL; with `site_relative`, also for a path
    on this site ("/contact/", not "//other.example/"). Anything a browser
    could read as another scheme (javascript:, data:, tabs hidden inside a
    scheme) is not.
    """
    value = _URL_NOISE.sub("", value or "")
    if value != value.strip() or not value:
        return False
    if site_relative and value.startswith("/") and not value.startswith("//"):
        return "\\" not in value
    return bool(_WEB_URL.match(value))


def validate_web_url(value):
    """Validator: an absolute http(s) URL."""
    if not is_web_url(value):
        raise ValidationError(
            _("Enter a web address starting with https:// or http://."),
            code="unsafe_url",
        )


def validate_link(value):
    """Validator: an http(s) URL or a path on this site."""
    if not is_web_url(value, site_relative=True):
        raise ValidationError(
            _(
                "Enter a page of this site (starting with /) or a web address "
                "starting with https:// or http://."
            ),
            code="unsafe_url",
        )
