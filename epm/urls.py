from django.contrib import admin
from django.urls import include, path

from epm.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("projects/", include("epm.projects.urls")),
    path("", include("epm.core.urls")),
]
