from django.urls import path

from . import calendar_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("people/", views.user_list, name="users"),
    path("people/new/", views.user_create, name="user_create"),
    path("people/<int:user_id>/", views.user_detail, name="user"),
    path("people/<int:user_id>/edit/", views.user_edit, name="user_edit"),
    path("people/<int:user_id>/password/", views.user_password, name="user_password"),
    path("departments/", views.department_list, name="departments"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:department_id>/", views.department_detail, name="department"),
    path("departments/<int:department_id>/edit/", views.department_edit, name="department_edit"),
    path("calendar/", calendar_views.calendar_view, name="calendar"),
    path("calendar/<int:year>/", calendar_views.calendar_view, name="calendar_year"),
    path(
        "calendar/exceptions/",
        calendar_views.calendar_exception_set,
        name="calendar_exception_set",
    ),
    path(
        "calendar/exceptions/remove/",
        calendar_views.calendar_exception_remove,
        name="calendar_exception_remove",
    ),
    path("calendar/years/", calendar_views.calendar_year_publish, name="calendar_year_publish"),
    path(
        "calendar/years/withdraw/",
        calendar_views.calendar_year_unpublish,
        name="calendar_year_unpublish",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
