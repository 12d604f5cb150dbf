"""403, 404 and 500 answer with Jaga's layout in Indonesian when DEBUG is off (issue 13
point 12); the 500 page renders without a request context or a database."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.test import Client
from django.urls import include, path
from django.utils import translation


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("uji/terlarang/", forbidden),
    path("uji/rusak/", broken),
    path("", include("jaga.urls")),
]


@pytest.fixture
def production(settings: Any) -> None:
    """DEBUG off, this module's two failing views in front of Jaga's URLs."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def assert_jaga_page(html: str, status: int) -> None:
    assert '<html lang="id">' in html
    assert 'class="navbar-brand fw-bold text-primary me-3"' in html  # Jaga's header
    assert "vendor/tabler/tabler.min.css" in html
    assert f'id="error-page" data-status="{status}"' in html


@pytest.mark.django_db
def test_it_answers_404_with_jagas_page_in_indonesian(production: None) -> None:
    response = Client().get("/tidak-ada-halaman-ini/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_jaga_page(html, 404)
    assert "Halaman tidak ditemukan" in html
    assert "Not Found" not in html


@pytest.mark.django_db
def test_it_answers_403_with_jagas_page_in_indonesian(production: None) -> None:
    response = Client().get("/uji/terlarang/")
    assert response.status_code == 403
    html = response.content.decode()
    assert_jaga_page(html, 403)
    assert "Akses ditolak" in html
    assert "403 Forbidden" not in html


@pytest.mark.django_db
def test_it_answers_500_with_jagas_page_in_indonesian(production: None) -> None:
    response = Client(raise_request_exception=False).get("/uji/rusak/")
    assert response.status_code == 500
    html = response.content.decode()
    assert_jaga_page(html, 500)
    assert "Kesalahan server" in html
    assert "Server Error (500)" not in html


def test_the_500_page_renders_without_a_request_or_a_database() -> None:
    # No django_db mark: any query would fail the test.
    with translation.override("id"):
        html = loader.get_template("500.html").render()
    assert_jaga_page(html, 500)
    assert "Kesalahan server" in html
