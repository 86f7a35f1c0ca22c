from django.urls import path

from . import views

app_name = "registers"
urlpatterns = [
    path("<int:project_id>/meetings/", views.meeting_list, name="meetings"),
    path("<int:project_id>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("<int:project_id>/meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path(
        "<int:project_id>/meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"
    ),
    path(
        "<int:project_id>/meetings/<int:meeting_id>/print/",
        views.meeting_print,
        name="meeting_print",
    ),
    path(
        "<int:project_id>/meetings/<int:meeting_id>/publish/",
        views.meeting_publish,
        name="meeting_publish",
    ),
    path(
        "<int:project_id>/meetings/<int:meeting_id>/action-items/",
        views.action_item_add,
        name="action_item_add",
    ),
    path(
        "<int:project_id>/action-items/<int:item_id>/",
        views.action_item_update,
        name="action_item_update",
    ),
    path(
        "<int:project_id>/action-items/<int:item_id>/complete/",
        views.action_item_complete,
        name="action_item_complete",
    ),
    path(
        "<int:project_id>/action-items/<int:item_id>/reopen/",
        views.action_item_reopen,
        name="action_item_reopen",
    ),
]
