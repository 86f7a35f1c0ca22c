"""Pages: exchange (being written)."""

urlpatterns: list = []
