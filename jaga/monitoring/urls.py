"""Pages of the network monitor, under /monitor/ (``jaga.monitoring.views``)."""

from django.urls import URLPattern, path

from jaga.monitoring import views

app_name = "monitoring"
urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
]
