"""
The static ceiling: the smallest WSGI application that answers every
request with the bytes of a file (the article page as the site serves it).
Served by the same gunicorn with the same settings, it shows the fastest
anything can go on this machine; the benchmark reports ours as a share of it.
"""

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_CEILING_FILE"]).read_bytes()
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Length", str(len(BODY))),
]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
