from django.urls import path

from . import setup_views, views

app_name = "approvals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("batch-approve/", views.batch_approve, name="batch_approve"),
    path("<int:request_id>/", views.request_detail, name="detail"),
    path(
        "<int:request_id>/tasks/<int:task_id>/<slug:action>/",
        views.task_action,
        name="task_action",
    ),
    path("<int:request_id>/comment/", views.request_comment, name="comment"),
    path(
        "<int:request_id>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("<int:request_id>/<slug:action>/", views.request_action, name="request_action"),
    path("delegations/", setup_views.delegations, name="delegations"),
    path(
        "delegations/<int:delegation_id>/cancel/",
        setup_views.delegation_cancel,
        name="delegation_cancel",
    ),
    path("chains/", setup_views.chain_list, name="chains"),
    path("chains/<slug:code>/", setup_views.chain_edit, name="chain_edit"),
]
