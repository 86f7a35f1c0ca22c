from .views import initiation, plan, purchase

app_name = "planning"
urlpatterns = [
    *initiation.urlpatterns,
    *purchase.urlpatterns,
    *plan.urlpatterns,
]
