from django.urls import path

from . import intake_views, views

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
    # Contract intake (R1), PM nomination (R2) and the project number (R3).
    path("<int:project_id>/contract/", intake_views.contract, name="contract"),
    path(
        "<int:project_id>/contract/deliverables/",
        intake_views.deliverable_add,
        name="deliverable_add",
    ),
    path(
        "<int:project_id>/contract/deliverables/<int:deliverable_id>/",
        intake_views.deliverable_change,
        name="deliverable_change",
    ),
    path(
        "<int:project_id>/contract/outsourcing/",
        intake_views.outsourcing_add,
        name="outsourcing_add",
    ),
    path(
        "<int:project_id>/contract/outsourcing/<int:part_id>/",
        intake_views.outsourcing_change,
        name="outsourcing_change",
    ),
    path(
        "<int:project_id>/contract/outsourcing/<int:part_id>/submit/",
        intake_views.outsourcing_submit,
        name="outsourcing_submit",
    ),
    path("<int:project_id>/number/", intake_views.number_assign, name="number_assign"),
    path(
        "<int:project_id>/nomination/start/",
        intake_views.nomination_start,
        name="nomination_start",
    ),
    path(
        "<int:project_id>/nomination/cancel/",
        intake_views.nomination_cancel,
        name="nomination_cancel",
    ),
    path("<int:project_id>/nomination/", intake_views.nominate, name="nominate"),
    path("lifecycles/", views.lifecycle_list, name="lifecycles"),
    path("lifecycles/<int:type_id>/", views.lifecycle_edit, name="lifecycle_edit"),
]
