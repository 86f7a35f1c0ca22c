from django.urls import path

from . import views

app_name = "finance"
# Mounted under /projects/ (see epm/urls.py).
urlpatterns = [
    path("<int:project_id>/budget/", views.budget, name="budget"),
    path("<int:project_id>/budget/export.xlsx", views.budget_export, name="budget_export"),
    path("cost-categories/", views.categories, name="categories"),
    path("cost-categories/<int:category_id>/", views.category_change, name="category_change"),
]
