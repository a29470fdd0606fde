"""
The one way this site fetches a page from outside (link checks, backlink
and Webmention verification).

Each hop's host name is resolved once, every address it gives must be
public, and the connection is made to that validated address and no other
(the transport is pinned to it, so a second, rebound DNS answer is never
asked for). Redirects are followed by hand so that each hop is checked. One
deadline covers the whole fetch: connecting, TLS, sending, the headers, each
redirect and the body; every read waits at most for what is left of it.
Bodies are capped in bytes as they arrive and again as they are
decompressed (gzip or deflate, one layer; other or stacked encodings are
refused). `CLINIC_FETCH_ALLOW_LOOPBACK=1` lets tests and local demos reach
127.0.0.1 and ::1, and nothing else private.
"""

import ipaddress
import os
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from django.conf import settings

MAX_REDIRECTS = 20
MAX_SECONDS = 5.0
MAX_BYTES = 1024 * 1024
#: Bytes read from the network at a time.
READ_SIZE = 64 * 1024
#: NAT64 prefixes (RFC 6052 and RFC 8215) that embed an IPv4 address.
NAT64 = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)
#: IPv4-compatible IPv6 addresses (deprecated, ::a.b.c.d).
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class FetchRefused(Exception):
    """The URL was not fetched (or not fully): the reason is the message."""


class FetchFailed(Exception):
    """The network failed (refused connection, reset, TLS error…)."""


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
        try:
            return self.body.decode(self.encoding, errors="replace")
        except (LookupError, UnicodeError):  # A charset Python does not know.
            return self.body.decode("utf-8", errors="replace")

    @property
    def encoding(self):
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip('"')
        return "utf-8"

    @property
    def is_redirect(self):
        return self.status in (301, 302, 303, 307, 308)


def loopback_allowed():
    return os.environ.get("CLINIC_FETCH_ALLOW_LOOPBACK") == "1"


def _addresses_within(ip):
    """
    The addresses that decide whether `ip` is public: an IPv6 form that only
    wraps an IPv4 address (mapped, NAT64, IPv4-compatible) stands for it;
    a 6to4 or Teredo address counts with the IPv4 addresses inside it.
    """
    if not isinstance(ip, ipaddress.IPv6Address):
        return [ip]
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if any(ip in prefix for prefix in NAT64) or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    found = [ip]
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)
    return found


def check_address(address):
    """
    Raise FetchRefused unless `address` (an IP string) is public, and so is
    every IPv4 address it embeds (mapped, 6to4, Teredo, NAT64 and
    IPv4-compatible forms).
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    for inner in _addresses_within(ip):
        if inner.is_loopback and loopback_allowed():
            continue
        if (
            not inner.is_global
            or inner.is_multicast
            or inner.is_reserved
            or inner.is_link_local
            or getattr(inner, "is_site_local", False)
        ):
            raise FetchRefused(f"{address} is not a public address")


def resolve(url):
    """
    Raise FetchRefused unless `url` is http(s) and its host resolves only to
    public addresses; return (parts, port, the addresses to connect to).
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number.
    except ValueError as error:
        raise FetchRefused(f"the address is not valid: {error}") from None
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"only http and https are fetched, not {parts.scheme!r}")
    if not parts.hostname:
        raise FetchRefused("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise FetchRefused(f"cannot resolve {parts.hostname}: {error}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        check_address(address)
    if not addresses:
        raise FetchRefused(f"cannot resolve {parts.hostname}")
    return parts, port, addresses


class _Deadline:
    def __init__(self, seconds):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self):
        left = self.at - time.monotonic()
        if left <= 0:
            raise FetchRefused(f"the fetch took over {self.seconds} s")
        return left


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every wait ends at the fetch's deadline."""

    def __init__(self, stream, deadline):
        self._stream, self._deadline = stream, deadline

    def _timeout(self, timeout):
        left = self._deadline.left()
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes, timeout=None):
        try:
            return self._stream.read(max_bytes, self._timeout(timeout))
        except httpcore.ReadTimeout:
            self._deadline.left()  # Says so when the deadline passed.
            raise

    def write(self, buffer, timeout=None):
        self._stream.write(buffer, self._timeout(timeout))

    def close(self):
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        stream = self._stream.start_tls(
            ssl_context, server_hostname, self._timeout(timeout)
        )
        return _DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info):
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connect only to the addresses `resolve()` validated for this hop."""

    def __init__(self, host, addresses, deadline):
        self._host, self._addresses, self._deadline = host, addresses, deadline
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, **kwargs):
        if host.lower() != self._host.lower():
            raise FetchRefused(f"{host} was not the host checked")
        error = None
        for number, address in enumerate(self._addresses):
            # Each address tried gets its share of the time left, so one
            # that never answers leaves time for the others.
            share = self._deadline.left() / (len(self._addresses) - number)
            try:
                stream = self._backend.connect_tcp(
                    address, port, min(timeout or share, share), **kwargs
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failure:
                error = failure
                continue
            return _DeadlineStream(stream, self._deadline)
        raise error

    def connect_unix_socket(self, *args, **kwargs):
        raise FetchRefused("only network addresses are fetched")


class _BoundedBody:
    """Collect a body, decompressing as it comes, within `max_bytes`."""

    def __init__(self, encoding, max_bytes):
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._inflate = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(wbits=31)
        elif encoding == "deflate":
            self._inflate = zlib.decompressobj(wbits=47)  # zlib or gzip header
        else:
            raise FetchRefused(f"the content encoding {encoding!r} is refused")
        self.max_bytes = max_bytes
        self.body = bytearray()
        self.raw = 0

    def add(self, chunk):
        self.raw += len(chunk)
        if self.raw > self.max_bytes:
            raise FetchRefused(f"the page is larger than {self.max_bytes} bytes")
        if self._inflate is None:
            self._keep(chunk)
            return
        data = chunk
        while data:
            room = self.max_bytes - len(self.body) + 1
            try:
                out = self._inflate.decompress(data, room)
            except zlib.error as error:
                raise FetchRefused(
                    f"the page is not valid compressed data: {error}"
                ) from None
            self._keep(out)
            data = self._inflate.unconsumed_tail

    def _keep(self, data):
        self.body += data
        if len(self.body) > self.max_bytes:
            raise FetchRefused(
                f"the page is larger than {self.max_bytes} bytes once decompressed"
            )


def _headers(response):
    """The response's headers by lower-case name, repeated ones joined with
    ", ", in one pass however many there are."""
    headers = {}
    for key, value in response.headers:
        name = key.decode("latin-1").lower()
        value = value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _request_url(url):
    """
    Return the URL as sent (an IDNA host and a percent-encoded path, as
    httpx writes it) and its Host header (an IPv6 address in brackets).
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError) as error:
        raise FetchRefused(f"the address is not valid: {error}") from None
    target = httpcore.URL(
        scheme=parsed.raw_scheme,
        host=parsed.raw_host,
        port=parsed.port,
        target=parsed.raw_path,
    )
    return target, parsed.netloc


def _fetch_once(url, *, method, deadline, max_bytes):
    _parts, _port, addresses = resolve(url)
    target, host_header = _request_url(url)
    backend = _PinnedBackend(target.host.decode("ascii"), addresses, deadline)
    headers = [
        (b"Host", host_header),
        (b"User-Agent", settings.CLINIC_FETCH_USER_AGENT.encode()),
        (b"Accept-Encoding", b"gzip, deflate"),
        (b"Accept", b"text/html, */*;q=0.5"),
    ]
    with httpcore.ConnectionPool(
        ssl_context=ssl.create_default_context(),
        network_backend=backend,
        max_connections=1,
        retries=0,
    ) as pool:
        timeout = deadline.left()
        extensions = {
            "timeout": {
                "connect": timeout,
                "read": timeout,
                "write": timeout,
                "pool": timeout,
            }
        }
        with pool.stream(
            method, target, headers=headers, extensions=extensions
        ) as response:
            result = FetchResult(
                url=url, status=response.status, headers=_headers(response), body=b""
            )
            if result.is_redirect or method == "HEAD":
                return result
            encodings = [
                e
                for e in result.headers.get("content-encoding", "").split(",")
                if e.strip()
            ]
            if len(encodings) > 1:
                raise FetchRefused("stacked content encodings are refused")
            body = _BoundedBody(encodings[0] if encodings else "", max_bytes)
            for chunk in response.iter_stream():
                body.add(chunk)
                deadline.left()
            result.body = bytes(body.body)
            return result


def fetch(url, *, method="GET", max_bytes=MAX_BYTES, max_seconds=MAX_SECONDS):
    """
    Fetch `url`, following up to MAX_REDIRECTS redirects, within
    `max_seconds` in all; return a FetchResult. Raise FetchRefused for a
    refused address, scheme, encoding, size or time, and FetchFailed when
    the network fails.
    """
    deadline = _Deadline(max_seconds)
    chain = []
    for _hop in range(MAX_REDIRECTS + 1):
        chain.append(url)
        try:
            result = _fetch_once(
                url, method=method, deadline=deadline, max_bytes=max_bytes
            )
        except httpcore.TimeoutException:
            deadline.left()
            host = urlsplit(url).hostname
            raise FetchFailed(f"{host} did not answer in time") from None
        except (httpcore.NetworkError, httpcore.ProtocolError, ssl.SSLError) as error:
            raise FetchFailed(f"{type(error).__name__}: {error}") from None
        if not (result.is_redirect and "location" in result.headers):
            result.chain = chain
            return result
        try:
            url = urljoin(url, result.headers["location"])
        except ValueError as error:
            reason = f"the redirect's address is not valid: {error}"
            raise FetchRefused(reason) from None
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")
