"""URLs of the OPD side: report a disruption, follow my reports."""

from django.urls import path

from jaga.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.report, name="report"),
    path("saya/", views.mine, name="mine"),
    path("lampiran/<int:pk>/", views.attachment, name="attachment"),
]
