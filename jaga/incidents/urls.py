"""URLs of the OPD side: report a disruption, follow my reports."""

from django.urls import URLPattern

app_name = "incidents"
urlpatterns: list[URLPattern] = []
