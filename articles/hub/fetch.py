"""
The one way this site fetches a page from outside (link checks, backlink
and Webmention verification).

Every hop of a request is checked twice: its host name must resolve only to
public addresses before anything is sent, and the address the connection
actually reached must be public too (which defeats DNS rebinding). Redirects
are followed by hand so that each hop is checked. Time, size and redirects
are capped. `CLINIC_FETCH_ALLOW_LOOPBACK=1` lets tests and local demos reach
127.0.0.1 and ::1, and nothing else private.
"""

import ipaddress
import os
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

MAX_REDIRECTS = 20
MAX_SECONDS = 5.0
MAX_BYTES = 1024 * 1024


class FetchRefused(Exception):
    """The URL was not fetched (or not fully): the reason is the message."""


@dataclass
class FetchResult:
    url: str
    status: int
    headers: dict
    body: bytes
    #: Every URL requested, first to last.
    chain: list = field(default_factory=list)

    @property
    def text(self):
        return self.body.decode(self.encoding, errors="replace")

    @property
    def encoding(self):
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip('"')
        return "utf-8"


def loopback_allowed():
    return os.environ.get("CLINIC_FETCH_ALLOW_LOOPBACK") == "1"


def check_address(address):
    """Raise FetchRefused unless `address` (an IP string) is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback and loopback_allowed():
        return
    if not ip.is_global or ip.is_multicast:
        raise FetchRefused(f"{address} is not a public address")


def check_url(url):
    """
    Raise FetchRefused unless `url` is http(s) and its host resolves only to
    public addresses; return the parsed URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"only http and https are fetched, not {parts.scheme!r}")
    if not parts.hostname:
        raise FetchRefused("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise FetchRefused(f"cannot resolve {parts.hostname}: {error}") from None
    for info in infos:
        check_address(info[4][0])
    return parts


def _peer_address(response):
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    peer = stream.get_extra_info("server_addr")
    return peer[0] if peer else None


def fetch(url, *, method="GET", max_bytes=MAX_BYTES, max_seconds=MAX_SECONDS):
    """
    Fetch `url`, following up to MAX_REDIRECTS redirects; return a
    FetchResult. Raise FetchRefused for a refused address, scheme, size or
    time, and httpx.HTTPError for network failures.
    """
    deadline = time.monotonic() + max_seconds
    headers = {"User-Agent": settings.CLINIC_FETCH_USER_AGENT}
    chain = []
    with httpx.Client(
        headers=headers, follow_redirects=False, timeout=max_seconds, trust_env=False
    ) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url)
            chain.append(url)
            with client.stream(method, url) as response:
                peer = _peer_address(response)
                if peer is not None:
                    check_address(peer)
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise FetchRefused(f"the page is larger than {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise FetchRefused(f"the page took over {max_seconds} s")
                return FetchResult(
                    url=url,
                    status=response.status_code,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    body=bytes(body),
                    chain=chain,
                )
            if time.monotonic() > deadline:
                raise FetchRefused(f"the redirects took over {max_seconds} s")
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")
