"""Login throttling: after repeated failures a login name (or an address) is locked for a while.

Counters live in the shared cache (Redis when scaled out), never in process memory.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

# An address may try several names; it gets a wider allowance than one name.
ADDRESS_FACTOR = 4


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    limit = settings.EPM_LOGIN_MAX_FAILURES
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"login-fail:user:{name}", limit),
        (f"login-fail:addr:{address}", limit * ADDRESS_FACTOR),
    ]


def is_locked(username: str, address: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(username, address))


def record_failure(username: str, address: str) -> None:
    timeout = settings.EPM_LOGIN_LOCKOUT_SECONDS
    for key, _limit in _keys(username, address):
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout)


def reset(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0][0])


def client_address(request) -> str:
    """The client's address; behind a trusted balancer, the last X-Forwarded-For hop it added."""
    if settings.EPM_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
