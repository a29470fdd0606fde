"""
Counting requests in a time window, in the shared cache: the limits on
Webmentions, privacy requests and the like.
"""

import time

from django.conf import settings
from django.core.cache import caches


def _atomic():
    # Redis counts atomically and keeps a key's lifetime when it counts.
    return "django_redis" in settings.CACHES["default"]["BACKEND"]


def over_limit(key, limit, seconds):
    """
    Count one more event under `key`; return True when more than `limit`
    happened in the `seconds` since the first. With the cache unreachable
    nothing is counted and nothing is over.
    """
    cache = caches["limits" if "limits" in settings.CACHES else "default"]
    key = f"limit:{key}"
    if _atomic():
        cache.add(key, 0, timeout=seconds)
        try:
            return (cache.incr(key) or 0) > limit
        except ValueError:  # The window ran out between add and incr.
            return False
    now = time.time()
    count, ends = cache.get(key) or (0, now + seconds)
    if ends <= now:
        count, ends = 0, now + seconds
    count += 1
    cache.set(key, (count, ends), timeout=max(1, int(ends - now) + 1))
    return count > limit
