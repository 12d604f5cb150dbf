"""Document URLs: downloads and corrections under /dokumen/, verification under /verifikasi/."""

from django.urls import path

from jaga.documents import srikandi_views, views

app_name = "documents"
urlpatterns = [
    path("<int:pk>/unduh/", views.download, name="download"),
    path("<int:pk>/koreksi/", views.correction, name="correct"),
    path("srikandi/", srikandi_views.srikandi_page, name="srikandi"),
    path("srikandi/ekspor/", srikandi_views.srikandi_export, name="srikandi_export"),
    path("<int:pk>/metadata.json", srikandi_views.srikandi_metadata, name="metadata"),
    path("<int:pk>/registrasi/", srikandi_views.registration, name="register"),
]

verify_urlpatterns = [
    path("", views.verify_upload, name="verify_upload"),
    path("<str:token>/", views.verify_page, name="verify"),
]
