app_name = "acquisition"
urlpatterns: list = []
