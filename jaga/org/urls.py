"""URLs of the organisation pages, under /organisasi/: the organisation import, its empty
workbook and the setup checklist of a new agency (``jaga.org.views``)."""

from django.urls import URLPattern, path

from jaga.org import views

app_name = "org"
urlpatterns: list[URLPattern] = [
    path("impor/", views.import_page, name="import"),
    path("impor/templat/", views.template_download, name="template"),
    path("persiapan/", views.setup_page, name="setup"),
]
