"""URLs of preventive maintenance, under /pemeliharaan/: checklist templates, the
inspection form of a device (``?step=<id>`` ties it to a round's step), inspections and
their photos (``jaga.maintenance.views``)."""

from django.urls import URLPattern, path

from jaga.maintenance import views

app_name = "maintenance"
urlpatterns: list[URLPattern] = [
    path("daftar-periksa/", views.template_list, name="templates"),
    path("daftar-periksa/baru/", views.template_create, name="template_create"),
    path("daftar-periksa/<int:pk>/", views.template_edit, name="template_edit"),
    path("perangkat/<int:pk>/periksa/", views.inspect_device, name="inspect"),
    path("pemeriksaan/<int:pk>/", views.inspection_detail, name="inspection"),
    path("pemeriksaan/foto/<int:pk>/", views.photo, name="photo"),
]
