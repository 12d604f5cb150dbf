"""URLs of the reports: compliance, figures, report documents, the SPBE bundle."""

from django.urls import URLPattern, path

from jaga.reports import availabilityviews, periodicviews, spbeviews, views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("mutu-baku/", views.compliance_report, name="compliance"),
    path("operasional/", views.operations_report, name="operations"),
    path("mutu-baku/langkah/", views.compliance_steps, name="compliance_steps"),
    path("berkala/", periodicviews.periodic_page, name="periodic"),
    path("berkala/xlsx/", periodicviews.periodic_xlsx, name="periodic_xlsx"),
    path("berkala/terbitkan/", periodicviews.periodic_issue, name="periodic_issue"),
    path("berkala/dokumen/<int:pk>/", periodicviews.periodic_document, name="periodic_document"),
    path("ketersediaan/", availabilityviews.report_page, name="availability"),
    path("ketersediaan/xlsx/", availabilityviews.report_xlsx, name="availability_xlsx"),
    path("ketersediaan/terbitkan/", availabilityviews.report_issue, name="availability_issue"),
    path(
        "ketersediaan/dokumen/<int:pk>/",
        availabilityviews.report_document,
        name="availability_document",
    ),
    path("spbe/", spbeviews.bundle_page, name="spbe"),
]
