"""Pages of the finance app."""

app_name = "finance"
urlpatterns: list = []
