"""Pages: schedule (being written)."""

urlpatterns: list = []
