"""A stage's throttling of its routes, as API Gateway applies it to an HTTP API (``lambda-local api``).

"Throttle requests to your HTTP APIs for better throughput in API Gateway": a stage's
``default_route_settings`` set each route's rate (requests per second) and burst, and
``route_settings`` a route's own; API Gateway applies them with the token bucket algorithm, and
answers a request over them ``429 {"message":"Too Many Requests"}``. A bucket holds ``burst`` tokens,
refilled at ``rate`` per second of real time; each request takes one. What no setting names is not
throttled here (the account's limits, 10,000 requests per second, are not counted).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable

from local_runtime.model.records import Throttle


class TokenBuckets:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, when counted)

    def take(self, key: Hashable, throttle: Throttle) -> bool:
        """Whether a request under ``throttle`` may go now (it takes a token), for the bucket ``key``."""
        if math.isinf(throttle.rate) and throttle.burst > 0:
            return True
        with self._lock:
            now = self._clock()
            tokens, counted = self._buckets.get(key, (float(throttle.burst), now))
            tokens = min(float(throttle.burst), tokens + (now - counted) * throttle.rate)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            return allowed
