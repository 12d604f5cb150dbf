"""URLs of the inventory, under /inventaris/: the lists, the detail pages
(``jaga.inventory.pages``), export, import templates, the import page and its jobs
(``jaga.inventory.importpages``)."""

from django.urls import URLPattern, path

from jaga.inventory import importpages, pages, views

app_name = "inventory"
urlpatterns: list[URLPattern] = [
    path("lokasi/", views.sites, name="sites"),
    path("lokasi/<int:pk>/", pages.site_detail, name="site"),
    path("perangkat/", views.devices, name="devices"),
    path("perangkat/<int:pk>/", pages.device_detail, name="device"),
    path("tautan/", views.links, name="links"),
    path("tautan/<int:pk>/", pages.link_detail, name="link"),
    path("opd/<int:pk>/", pages.opd_network, name="opd"),
    path("<str:kind>/ekspor/", views.export, name="export"),
    path("<str:kind>/templat/", views.template, name="template"),
    path("impor/", importpages.import_file, name="import"),
    path("impor/<int:pk>/", importpages.import_job, name="import_job"),
    path("impor/<int:pk>/kesalahan.csv", importpages.import_errors, name="import_errors"),
]
