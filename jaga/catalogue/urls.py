"""URLs of the service catalogue (``/layanan/``)."""

from django.urls import URLPattern, path

from jaga.catalogue import views

app_name = "catalogue"
urlpatterns: list[URLPattern] = [
    path("", views.catalogue, name="catalogue"),
    path("permohonan/", views.requests, name="requests"),
    path("<slug:code>/ajukan/", views.request_form, name="request"),
    path("<slug:code>/catat/", views.record, name="record"),
]
