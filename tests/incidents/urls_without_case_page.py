"""Jaga's URLs without the Diskominfo side's case page (``workflow:case``)."""

from django.urls import URLPattern, URLResolver, include, path

from jaga.urls import urlpatterns as jaga_urlpatterns

#: Jaga's URLs less the ``workflow`` namespace.
WITHOUT_WORKFLOW: list[URLPattern | URLResolver] = [
    p
    for p in jaga_urlpatterns
    if isinstance(p, URLPattern) or (isinstance(p, URLResolver) and p.namespace != "workflow")
]

urlpatterns = [*WITHOUT_WORKFLOW, path("kasus/", include(([], "workflow")))]
