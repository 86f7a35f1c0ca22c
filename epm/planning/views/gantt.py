"""Pages: gantt (being written)."""

urlpatterns: list = []
