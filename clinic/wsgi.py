"""WSGI entry point: `gunicorn clinic.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

django_application = get_wsgi_application()

from clinic.pagecache import CachedPagesApp  # noqa: E402 (needs settings)

application = CachedPagesApp(django_application)
