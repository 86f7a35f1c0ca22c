"""Activates the signed-in user's language and time zone for each request."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


def activate_preferences(request, user) -> None:
    """Use the user's language and time zone for the rest of this request."""
    if user.language and user.language != translation.get_language():
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))


class UserPreferencesMiddleware:
    """Session users get their preferences here; API-token users when the token is checked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            activate_preferences(request, user)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ApplicationErrorMiddleware:
    """Turns service errors raised in HTML views into pages: 404, 403, or a message and back.

    The API has its own handlers (epm/api.py) and never reaches this.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.contrib import messages
        from django.shortcuts import redirect, render
        from django.utils.http import url_has_allowed_host_and_scheme

        from .errors import ApplicationError, NotFound, PermissionDenied

        if request.path.startswith("/api/") or not isinstance(exception, ApplicationError):
            return None
        if isinstance(exception, NotFound):
            return render(request, "404.html", status=404)
        if isinstance(exception, PermissionDenied):
            return render(request, "403.html", {"message": exception.message}, status=403)
        messages.error(request, exception.message)
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = "/"
        return redirect(back)
