"""Jaga's URLs with a stand-in for the Diskominfo side's case page (``workflow:case``)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from tests.incidents.urls_without_case_page import WITHOUT_WORKFLOW


def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"case {pk}")


urlpatterns = [
    *WITHOUT_WORKFLOW,
    path("kasus/", include(([path("<int:pk>/", case_page, name="case")], "workflow"))),
]
