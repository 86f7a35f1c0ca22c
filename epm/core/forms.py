from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from . import throttle


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Login name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=200)

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        data = super().clean()
        username, password = data.get("username", ""), data.get("password", "")
        address = throttle.client_address(self.request)
        if throttle.is_locked(username, address):
            raise forms.ValidationError(
                _("Too many failed sign-ins. Try again in a few minutes."), code="throttled"
            )
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            throttle.record_failure(username, address)
            raise forms.ValidationError(_("Wrong login name or password."), code="invalid_login")
        throttle.reset(username, address)
        self.user = user
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)
    name.widget.attrs["class"] = "form-control"
