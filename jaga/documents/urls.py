"""Document URLs: downloads and corrections under /dokumen/, verification under /verifikasi/."""

from django.urls import path

from jaga.documents import views

app_name = "documents"
urlpatterns = [
    path("<int:pk>/unduh/", views.download, name="download"),
    path("<int:pk>/koreksi/", views.correction, name="correct"),
]

verify_urlpatterns = [
    path("", views.verify_upload, name="verify_upload"),
    path("<str:token>/", views.verify_page, name="verify"),
]
