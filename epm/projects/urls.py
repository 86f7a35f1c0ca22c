from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:project_id>/", views.project_detail, name="detail"),
    path("<int:project_id>/edit/", views.project_edit, name="edit"),
    path("<int:project_id>/transition/", views.project_transition, name="transition"),
    path("<int:project_id>/appoint/", views.project_appoint, name="appoint"),
    path(
        "<int:project_id>/final-acceptance/",
        views.project_final_acceptance,
        name="final_acceptance",
    ),
    path("<int:project_id>/members/", views.member_add, name="member_add"),
    path(
        "<int:project_id>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("lifecycles/", views.lifecycle_list, name="lifecycles"),
    path("lifecycles/<int:type_id>/", views.lifecycle_edit, name="lifecycle_edit"),
]
