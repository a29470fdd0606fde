"""
Gunicorn settings for the clinic site (`gunicorn -c deploy/gunicorn.conf.py
clinic.wsgi`). Values come from the environment so that one file serves
every server; the defaults suit a small two-core machine.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each handles one request at a time; nginx in front buffers
# slow clients, so a worker is never held by a slow upload or download.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so that a slow leak cannot grow for ever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
# Request lines and headers are logged by the application (one JSON line per
# request), so gunicorn's own access log stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# Let nginx on the same host give the client address and scheme.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
