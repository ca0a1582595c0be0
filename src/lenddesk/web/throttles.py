"""The API's rate limits, counted with the one atomic counter.

DRF's throttles keep a list of request times in the cache and write it back: a read
and a write, so parallel requests slip through together, and on the database cache a
write also resets the entry's lifetime. Here each request is one ``count_hit`` on a
fixed window (an INCR on Redis, one upsert elsewhere), so a limit of 20 a minute lets
20 through however many arrive at once.
"""

from __future__ import annotations

from rest_framework import throttling

from lenddesk.web.cache import count_hit, seconds_left


class _Counted:
    key: str | None
    num_requests: int
    duration: int

    def _count(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if count_hit(self.key, self.duration) <= self.num_requests:
            return True
        self._retry_after = max(1, seconds_left(self.key))
        return False

    def wait(self) -> float:
        return getattr(self, "_retry_after", self.duration)


class AnonRateThrottle(_Counted, throttling.AnonRateThrottle):
    def allow_request(self, request, view) -> bool:
        return self._count(request, view)


class UserRateThrottle(_Counted, throttling.UserRateThrottle):
    def allow_request(self, request, view) -> bool:
        return self._count(request, view)


class ScopedRateThrottle(_Counted, throttling.ScopedRateThrottle):
    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return self._count(request, view)
