"""Forms only parse and present; the rules (taken names, cycles, weak passwords) are services'."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from . import throttle
from .calendar_services import PUBLISHABLE_YEARS
from .errors import ApplicationError, NotFound, PermissionDenied
from .models import Department, Language, OrgRole, User

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# PositiveIntegerField's range on every database Django supports.
MAX_SORT_ORDER = 2_147_483_647


def style_form(form: forms.Form) -> None:
    """Give every widget its Tabler class (used by the forms of every app)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.CheckboxInput)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


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
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            if throttle.is_locked(username, throttle.client_address(self.request)):
                raise forms.ValidationError(
                    _("Too many failed sign-ins. Try again in a few minutes."), code="throttled"
                )
            raise forms.ValidationError(_("Wrong login name or password."), code="invalid_login")
        self.user = user
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)
    name.widget.attrs["class"] = "form-control"


# --- people and departments ------------------------------------------------------------------


class Checkboxes(forms.CheckboxSelectMultiple):
    """Tabler's checkbox markup, in columns."""

    template_name = "core/widgets/checkboxes.html"


class OrgRolesField(forms.MultipleChoiceField):
    """Org roles as checkboxes. Whether a value is a role is the service's to say, so the page
    and the API refuse an unknown role with the same message."""

    widget = Checkboxes

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Org roles"))
        kwargs.setdefault("required", False)
        super().__init__(choices=OrgRole.choices, **kwargs)

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def active_people():
    return User.objects.filter(is_active=True).order_by("department__sort_order", "username")


def _password_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Login name"), max_length=150, validators=[UnicodeUsernameValidator()]
    )
    display_name = forms.CharField(label=_("Display name"), max_length=60, required=False)
    employee_no = forms.CharField(label=_("Employee number"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    roles = OrgRolesField()
    language = forms.ChoiceField(
        label=_("Language"), choices=Language.choices, initial=Language.ZH_HANS
    )
    password = _password_field(_("Initial password"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.all()
        style_form(self)


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    employee_no = forms.CharField(label=_("Employee number"), max_length=30, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    is_active = forms.BooleanField(
        label=_("Active (may sign in)"),
        required=False,
    )
    roles = OrgRolesField()

    def __init__(self, *args, person: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "display_name": person.display_name,
                "email": person.email,
                "phone": person.phone,
                "employee_no": person.employee_no or "",
                "department": person.department_id,
                "is_active": person.is_active,
                "roles": sorted(person.org_roles()),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.all()
        style_form(self)


class PasswordSetForm(forms.Form):
    password = _password_field(_("New password"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class DepartmentForm(forms.Form):
    """Create (with `code`) or edit (without: the code is the department's stable key)."""

    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits, - and _; cannot change.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("Parent department"), queryset=Department.objects.none(), required=False
    )
    head = forms.ModelChoiceField(
        label=_("Department head"), queryset=User.objects.none(), required=False
    )
    sort_order = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=MAX_SORT_ORDER, initial=0
    )

    def __init__(self, *args, department: Department | None = None, **kwargs):
        if department is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": department.name,
                    "parent": department.parent_id,
                    "head": department.head_id,
                    "sort_order": department.sort_order,
                },
            )
        super().__init__(*args, **kwargs)
        parents = Department.objects.all()
        if department is not None:
            del self.fields["code"]
            parents = parents.exclude(pk=department.pk)
        self.fields["parent"].queryset = parents
        self.fields["head"].queryset = active_people()
        style_form(self)


# --- working calendar ------------------------------------------------------------------------


class CalendarExceptionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    is_working = forms.TypedChoiceField(
        label=_("The company"),
        choices=[("0", _("rests on this day")), ("1", _("works on this day"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean_date(self):
        # The calendar pages show the years 2000–2100; a day outside them could not be seen.
        day = self.cleaned_data["date"]
        if day.year not in PUBLISHABLE_YEARS:
            raise forms.ValidationError(_("Please give a date between the years 2000 and 2100."))
        return day


class CalendarDateForm(forms.Form):
    date = forms.DateField()


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("For example the State Council notice the days come from."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


def run_form(form: forms.Form, call: Callable[[], object]) -> bool:
    """Run a service with a form's data; a refused call becomes a form error, nothing changes."""
    if not form.is_valid():
        return False
    try:
        call()
    except ApplicationError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        form.add_error(None, exc.message)
        return False
    return True
