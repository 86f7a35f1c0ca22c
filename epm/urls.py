from django.urls import include, path

from epm.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("projects/", include("epm.projects.urls")),
    path("projects/", include("epm.planning.urls")),
    path("projects/", include("epm.finance.urls")),
    path("projects/", include("epm.registers.urls")),
    path("approvals/", include("epm.approvals.urls")),
    path("", include("epm.core.urls")),
]
