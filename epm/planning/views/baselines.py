"""Pages: baselines (being written)."""

urlpatterns: list = []
