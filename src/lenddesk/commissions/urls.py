"""Pages of the commissions app."""

app_name = "commissions"
urlpatterns: list = []
