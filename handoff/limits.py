"""Rate limits per client: how many conversations an address may open, how many messages a
conversation or an address may send, how many logins an address may try.

Each limit is "count per seconds" with bursts up to `count`, enforced with the generic cell rate
algorithm (one timestamp per key, so a flood of new keys costs little memory; the oldest keys are
dropped past `max_keys`). Limits are per hub process; logins are also throttled per account in
the database (handoff/login_throttle.py), which holds across processes and restarts.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from handoff.errors import TooManyRequests


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float

    @property
    def interval(self) -> float:
        return self.seconds / self.count


# Generous for people (nobody types 20 messages a minute into one chat, and a shop's visitors
# behind one office address rarely open 60 chats in ten minutes), tight for scripts.
DEFAULT_LIMITS: Mapping[str, Limit] = {
    "conversations": Limit(60, 600),  # new conversations per client address
    "messages": Limit(20, 60),  # messages per conversation
    "address_messages": Limit(120, 60),  # messages per client address, across its conversations
    "logins": Limit(30, 900),  # login attempts per client address
    "uploads": Limit(10, 600),  # photos uploaded per conversation
}
_WHAT = {
    "conversations": "new conversations",
    "messages": "messages in this conversation",
    "address_messages": "messages",
    "logins": "sign-in attempts",
    "uploads": "photos in this conversation",
}


_EPSILON = 1e-6  # seconds


class RateLimiter:
    def __init__(self, limits: Mapping[str, Limit], clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.limits = dict(limits)
        self.clock = clock  # public: a test may stop time
        self._max_keys = max_keys
        self._next_free: OrderedDict[tuple[str, str], float] = OrderedDict()

    def check(self, kind: str, key: str) -> None:
        """Counts one request of `kind` for `key`; TooManyRequests when it is over the limit."""
        limit = self.limits.get(kind)
        if limit is None:
            return
        now = self.clock()
        slot = (kind, key)
        # The time at which the bucket is empty again; a full burst is `limit.seconds` ahead.
        arrival = max(self._next_free.get(slot, now), now)
        # Differences first: `arrival + interval - now` loses bits when the clock's value is large,
        # and a request exactly at the allowance must not be refused by a rounding error.
        wait = (arrival - now) + limit.interval - limit.seconds
        if wait > _EPSILON:
            raise TooManyRequests(f"Too many {_WHAT.get(kind, kind)}; please wait a moment and try again.", wait)
        self._next_free[slot] = arrival + limit.interval
        self._next_free.move_to_end(slot)
        while len(self._next_free) > self._max_keys:
            self._next_free.popitem(last=False)
