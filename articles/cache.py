"""
Django's Redis cache backend, with one client object per connection pool.

Django builds a new `redis.Redis` for every cache call; with redis-py 8
that costs more than the network round trip itself (a fresh table of
response callbacks each time), and a cached page is one cache call. The
connection pools, and so the connections, are Django's own either way.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
