from .views import baselines, exchange, gantt, initiation, plan, purchase, schedule

app_name = "planning"
urlpatterns = [
    *initiation.urlpatterns,
    *purchase.urlpatterns,
    *plan.urlpatterns,
    *schedule.urlpatterns,
    *gantt.urlpatterns,
    *baselines.urlpatterns,
    *exchange.urlpatterns,
]
