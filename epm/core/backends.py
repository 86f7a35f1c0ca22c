"""Password authentication with login throttling built in.

Throttling lives in the backend rather than in one login form, so no other caller of
`authenticate()` (another page, a future API login, a test) can bypass it.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        address = throttle.client_address(request) if request is not None else "local"
        if throttle.is_locked(username, address):
            raise PermissionDenied("login throttled")  # authenticate() stops trying and says no
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.record_failure(username, address)
        else:
            throttle.reset(username, address)
        return user
