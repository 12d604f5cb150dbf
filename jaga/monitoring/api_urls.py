"""The agents' protocol, under /api/monitor/v1/ (``jaga agent``; ``jaga.monitoring.api``)."""

from django.urls import URLPattern, path

from jaga.monitoring import api

app_name = "monitoring_api"
urlpatterns: list[URLPattern] = [
    path("assignments/", api.assignments, name="assignments"),
    path("results/", api.results, name="results"),
]
