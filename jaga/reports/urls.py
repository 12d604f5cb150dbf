"""URLs of the reports: compliance, figures, report documents, the SPBE bundle."""

from django.urls import URLPattern, path

from jaga.reports import views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("mutu-baku/", views.compliance_report, name="compliance"),
    path("mutu-baku/langkah/", views.compliance_steps, name="compliance_steps"),
]
