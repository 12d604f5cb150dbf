"""URLs of the Diskominfo side: my tasks, cases, the case page and its step forms."""

from django.urls import URLPattern

app_name = "workflow"
urlpatterns: list[URLPattern] = []
