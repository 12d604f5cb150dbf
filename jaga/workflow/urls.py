"""URLs of the Diskominfo side: my tasks, cases and their exports, the case page and its
step forms."""

from django.urls import URLPattern, path

from jaga.workflow import exports, sitedevices, views

app_name = "workflow"
urlpatterns: list[URLPattern] = [
    path("", views.cases, name="cases"),
    path("ekspor.csv", exports.cases_csv, name="export_csv"),
    path("ekspor.xlsx", exports.cases_xlsx, name="export_xlsx"),
    path("tugas/", views.inbox, name="inbox"),
    path("mulai/", views.start, name="start"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/langkah/<int:step_pk>/", views.act, name="act"),
    path("<int:pk>/terdampak/", views.affected, name="affected"),
    # The device choices of the site chosen in a form (issue 20 point 4).
    path(
        "<int:pk>/langkah/<int:step_pk>/perangkat/",
        sitedevices.step_devices,
        name="step_devices",
    ),
    path("<int:pk>/terdampak/perangkat/", sitedevices.affected_devices, name="affected_devices"),
]
