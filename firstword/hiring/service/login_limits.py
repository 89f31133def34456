"""Login attempts per client address and per account, refused with a wait (429, Retry-After).

Both keys are checked before the password is: a guesser spreading over addresses meets the
account's bucket, one trying many accounts meets the address's. Buckets are the server's own
``TokenBucket`` (``server.limits``), kept per process: several nodes each allow their share.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from firstword.config import HiringConfig
from firstword.server.limits import Clock, TokenBucket

# Keys remembered per kind; the least recently seen are forgotten past it, so that a scan of
# addresses or made-up emails cannot grow the table without bound (a forgotten key starts full,
# as a new one would).
MAX_KEYS = 10_000


class _Buckets:
    def __init__(self, burst: int, interval_s: float, clock: Clock) -> None:
        self._burst, self._rate, self._clock = burst, 1.0 / interval_s, clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def bucket(self, key: str) -> TokenBucket:
        bucket = self._buckets.pop(key, None) or TokenBucket(self._burst, self._rate, self._clock)
        self._buckets[key] = bucket
        while len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
        return bucket


class LoginLimiter:
    def __init__(self, config: HiringConfig, clock: Clock) -> None:
        self._addresses = _Buckets(config.login_burst_per_address, config.login_interval_per_address_s, clock)
        self._accounts = _Buckets(config.login_burst_per_account, config.login_interval_per_account_s, clock)

    def admit(self, address: str, account: str) -> int | None:
        """None when the attempt may go ahead (and is counted); else whole seconds to wait."""
        by_address, by_account = self._addresses.bucket(address), self._accounts.bucket(account)
        # Both must have a token before either is spent: a refused attempt costs nothing.
        if by_address.retry_after() == 0 and by_account.retry_after() == 0:
            by_address.take()
            by_account.take()
            return None
        return max(1, math.ceil(max(by_address.retry_after(), by_account.retry_after())))
