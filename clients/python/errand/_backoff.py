"""Backoff: how long to wait before trying an unavailable server again. Internal."""
import random
from typing import Optional

MIN_BACKOFF, MAX_BACKOFF = 0.5, 30.0


class Backoff:
    """Exponential backoff with full jitter, 0.5 s to 30 s; a server's Retry-After wins. One per retry loop."""

    def __init__(self) -> None:
        self.failures = 0

    def next(self, retry_after: Optional[float]) -> float:
        self.failures += 1
        if retry_after is not None:
            return retry_after
        cap = min(MAX_BACKOFF, MIN_BACKOFF * 2 ** min(self.failures, 10))
        return random.uniform(MIN_BACKOFF, cap)

    def reset(self) -> None:
        self.failures = 0
