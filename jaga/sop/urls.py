"""URLs of the SOP pages: the agency's SOPs, one SOP's document, and its PDF."""

from django.urls import URLPattern, path

from jaga.sop import builderurls, views

app_name = "sop"
urlpatterns: list[URLPattern] = [
    *builderurls.urlpatterns,  # the SOP builder (issue 17 point 4), before <code>
    path("", views.sop_list, name="sops"),
    path("<slug:code>/", views.sop_detail, name="sop"),
    path("<slug:code>/pdf/", views.sop_pdf, name="sop_pdf"),
]
