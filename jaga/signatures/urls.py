"""TTE URLs under /tte/: signing a document, downloading its signed version, reconciling
an unknown outcome."""

from django.urls import path

from jaga.signatures import views

app_name = "signatures"
urlpatterns = [
    path("dokumen/<int:pk>/tandatangani/", views.sign, name="sign"),
    path("dokumen/<int:pk>/unduh/", views.download, name="download"),
    path("<int:pk>/cocokkan/", views.reconcile_view, name="reconcile"),
]
