import gzip
import http.server
import socket
import time
import tracemalloc

import pytest

from articles.hub.fetch import FetchRefused, check_address, fetch
from tests.helpers import skip_or_fail

# Hostile input: part of `make test-security` as well.
pytestmark = pytest.mark.security

#: 50 MB of zeros in about 50 KB (made once, outside the measured fetches).
BOMB = gzip.compress(bytes(50 * 1024 * 1024))


class Handler(http.server.BaseHTTPRequestHandler):
    """A small site with the pages the fetch tests need."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/page":
            self.reply(200, b"<a href='https://clinic.example/a/'>x</a>")
        elif self.path.startswith("/hop/"):
            n = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/hop/{n - 1}" if n else "/page")
            self.end_headers()
        elif self.path == "/to-private":
            self.send_response(301)
            self.send_header("Location", "http://10.0.0.7/admin")
            self.end_headers()
        elif self.path == "/to-metadata":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        elif self.path == "/big":
            self.reply(200, b"x" * (1024 * 1024 + 10))
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        elif self.path == "/bomb":
            self.compressed(BOMB, "gzip")
        elif self.path == "/bomb-twice":
            self.compressed(gzip.compress(BOMB), "gzip, gzip")
        elif self.path == "/brotli":
            self.compressed(b"not really", "br")
        elif self.path == "/gzip-page":
            self.compressed(gzip.compress(b"<p>Small and fine.</p>"), "gzip")
        elif self.path == "/slow-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(60):
                try:
                    self.wfile.write(b"X")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
        elif self.path.startswith("/slow-hop/"):
            n = int(self.path.rsplit("/", 1)[1])
            time.sleep(0.3)
            self.send_response(302)
            self.send_header("Location", f"/slow-hop/{n - 1}" if n else "/page")
            self.end_headers()
        elif self.path == "/to-broken":
            self.send_response(302)
            self.send_header("Location", "http://[x]/")
            self.end_headers()
        elif self.path == "/bogus-charset":
            body = "<p>Café</p>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=bogus")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/many-headers":
            self.send_response(200)
            for n in range(9000):
                self.send_header(f"X-H{n % 50}", "b")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        elif self.path == "/agent":
            self.reply(200, self.headers["User-Agent"].encode())
        else:
            self.reply(404, b"missing")

    def compressed(self, body, encoding):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def loopback(monkeypatch):
    monkeypatch.setenv("CLINIC_FETCH_ALLOW_LOOPBACK", "1")


def test_loopback_is_refused_by_default(outside, monkeypatch, refusal):
    monkeypatch.delenv("CLINIC_FETCH_ALLOW_LOOPBACK", raising=False)
    with pytest.raises(FetchRefused, match="not a public address"):
        fetch(f"{outside}/page")
    refusal("fetches refused")


def test_loopback_setting_allows_the_local_server(outside, loopback):
    result = fetch(f"{outside}/page")
    assert result.status == 200
    assert "clinic.example" in result.text


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "fd00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_private_addresses_are_refused_even_with_loopback_allowed(
    loopback, address, refusal
):
    if address == "::ffff:127.0.0.1":
        check_address(address)  # Mapped loopback is loopback.
        return
    with pytest.raises(FetchRefused):
        check_address(address)
    refusal("addresses refused")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://localhost/",
    ],
)
def test_loopback_spellings_are_refused(monkeypatch, url, refusal):
    monkeypatch.delenv("CLINIC_FETCH_ALLOW_LOOPBACK", raising=False)
    with pytest.raises(FetchRefused):
        fetch(url)
    refusal("fetches refused")


def test_redirect_to_a_private_address_is_refused(outside, loopback, refusal):
    with pytest.raises(FetchRefused, match="10.0.0.7 is not a public address"):
        fetch(f"{outside}/to-private")
    refusal("fetches refused")


def test_redirect_to_cloud_metadata_is_refused(outside, loopback, refusal):
    with pytest.raises(FetchRefused, match="169.254.169.254"):
        fetch(f"{outside}/to-metadata")
    refusal("fetches refused")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/", "gopher://x/"]
)
def test_other_schemes_are_refused(url, refusal):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch(url)
    refusal("fetches refused")


def test_redirect_to_another_scheme_is_refused(outside, loopback, refusal):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch(f"{outside}/to-file")
    refusal("fetches refused")


def test_redirects_are_followed_and_recorded(outside, loopback):
    result = fetch(f"{outside}/hop/2")
    assert result.status == 200
    assert [url.removeprefix(outside) for url in result.chain] == [
        "/hop/2",
        "/hop/1",
        "/hop/0",
        "/page",
    ]


def test_redirects_are_capped(outside, loopback, refusal):
    with pytest.raises(FetchRefused, match="more than 20 redirects"):
        fetch(f"{outside}/hop/25")
    refusal("fetches refused")


def test_body_over_one_megabyte_is_refused(outside, loopback, refusal):
    with pytest.raises(FetchRefused, match="larger than"):
        fetch(f"{outside}/big")
    refusal("fetches refused")


def test_a_trickling_server_is_cut_off(outside, loopback, refusal):
    started = time.monotonic()
    with pytest.raises(FetchRefused, match="took over"):
        fetch(f"{outside}/trickle", max_seconds=1.0)
    assert time.monotonic() - started < 3
    refusal("fetches refused")


def test_user_agent_is_honest(outside, loopback, settings):
    settings.CLINIC_FETCH_USER_AGENT = "Riverside link checker"
    assert fetch(f"{outside}/agent").text == "Riverside link checker"


def test_a_name_resolving_to_a_private_address_is_refused(
    monkeypatch, loopback, refusal
):
    import socket

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(FetchRefused, match="10.20.30.40"):
        fetch("https://intranet.example/")
    refusal("fetches refused")


def measured(call):
    """Run `call`; return (its exception, seconds, peak bytes allocated)."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        call()
    except Exception as error:  # Handed back to assert on.
        caught = error
    else:
        caught = None
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return caught, seconds, peak


def test_a_compressed_bomb_is_cut_off_as_it_inflates(
    outside, loopback, refusal, figures
):
    error, seconds, peak = measured(lambda: fetch(f"{outside}/bomb"))
    figures["gzip bomb (50 MB): peak MB, seconds"] = [
        round(peak / 2**20, 1),
        round(seconds, 2),
    ]
    assert isinstance(error, FetchRefused)
    assert "once decompressed" in str(error)
    # 50 MB of zeros: never more than the 1 MB cap (and a chunk) in memory.
    assert peak < 4 * 1024 * 1024
    refusal("fetches refused")


def test_stacked_and_unknown_encodings_are_refused(outside, loopback, refusal):
    error, _seconds, peak = measured(lambda: fetch(f"{outside}/bomb-twice"))
    assert isinstance(error, FetchRefused)
    assert "stacked content encodings" in str(error)
    assert peak < 4 * 1024 * 1024
    with pytest.raises(FetchRefused, match="content encoding 'br'"):
        fetch(f"{outside}/brotli")
    refusal("fetches refused")


def test_a_gzipped_page_is_read(outside, loopback):
    assert fetch(f"{outside}/gzip-page").text == "<p>Small and fine.</p>"


def test_headers_sent_a_byte_at_a_time_are_cut_off(outside, loopback, refusal, figures):
    error, seconds, _peak = measured(
        lambda: fetch(f"{outside}/slow-headers", max_seconds=1.0)
    )
    figures["dripped headers, 1 s deadline: seconds"] = round(seconds, 2)
    assert isinstance(error, FetchRefused)
    assert "took over 1.0 s" in str(error)
    assert seconds < 2
    refusal("fetches refused")


def test_one_deadline_covers_every_redirect(outside, loopback, refusal, figures):
    error, seconds, _peak = measured(
        lambda: fetch(f"{outside}/slow-hop/15", max_seconds=1.0)
    )
    figures["16 slow redirects, 1 s deadline: seconds"] = round(seconds, 2)
    assert isinstance(error, FetchRefused)
    assert "took over 1.0 s" in str(error)
    assert seconds < 2
    refusal("fetches refused")


def test_the_connection_goes_to_the_address_that_was_checked(
    outside, loopback, monkeypatch, refusal
):
    """A name that answers a checked address, then an internal one (DNS
    rebinding), is asked once: the request goes to the checked address."""
    port = int(outside.rsplit(":", 1)[1])
    answers = []

    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host != "rebind.example":  # An address: nothing to look up.
            return real(host, *args, **kwargs)
        answers.append(host)
        address = "127.0.0.1" if len(answers) == 1 else "10.0.0.9"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    result = fetch(f"http://rebind.example:{port}/page")
    assert result.status == 200
    assert answers == ["rebind.example"]
    refusal("fetches refused")


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 form of the cloud metadata address
        "64:ff9b::a00:1",  # NAT64 form of 10.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64 prefix
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a00:1",  # IPv4-compatible 10.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 around 169.254.169.254
        "2002:a00:1::1",  # 6to4 around 10.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo around 10.0.0.1
        "fec0::1",  # site-local
        "::ffff:10.0.0.1",
        "100.64.0.1",  # shared address space
        "240.0.0.1",  # reserved
        "224.0.0.1",
        "0.0.0.0",
    ],
)
def test_addresses_inside_ipv6_forms_are_checked(address, monkeypatch, refusal):
    monkeypatch.delenv("CLINIC_FETCH_ALLOW_LOOPBACK", raising=False)
    with pytest.raises(FetchRefused, match="not a public address"):
        check_address(address)
    refusal("addresses refused")


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
)
def test_public_addresses_pass(address):
    check_address(address)


def test_odd_answers_are_refusals_or_text_never_crashes(outside, loopback, refusal):
    with pytest.raises(FetchRefused, match="not valid"):
        fetch(f"{outside}/to-broken")
    assert fetch(f"{outside}/bogus-charset").text == "<p>Café</p>"
    with pytest.raises(FetchRefused, match="not valid"):
        fetch("http://[x]/")
    refusal("fetches refused")


def test_thousands_of_headers_are_read_in_one_pass(outside, loopback, figures):
    error, seconds, _peak = measured(lambda: fetch(f"{outside}/many-headers"))
    figures["9,000 response headers: seconds"] = round(seconds, 2)
    assert error is None
    assert seconds < 2


def test_an_ipv6_address_is_named_in_brackets(loopback):
    import threading

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6

    class Echo(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = self.headers["Host"].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    try:
        server = Server(("::1", 0), Echo)
    except OSError:
        skip_or_fail("needs an IPv6 loopback address (::1)")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert fetch(f"http://[::1]:{port}/").text == f"[::1]:{port}"
    finally:
        server.shutdown()
        server.server_close()
