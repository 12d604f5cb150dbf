"""The inventory lists' keyset pages and the streamed CSV export (issue 19 point 3): the
device list's links carry a cursor on (name, id), every device appears once walking forward
or back even among equal names, the filters stay in the links, a bad cursor gives the first
page; the CSV export is a ``StreamingHttpResponse`` read in chunks."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import cast
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from jaga.inventory import tabular
from jaga.inventory.models import Device
from jaga.inventory.tabular import COLUMNS
from jaga.web import keyset
from tests.inventory.test_lists import (  # noqa: F401 (alpha: a fixture)
    DEVICES,
    Inventory,
    alpha,
    client_for,
    make_devices,
    rows,
)

pytestmark = pytest.mark.django_db


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def same_names(inventory: Inventory, count: int) -> None:
    """``count`` more devices, named in groups of five alike."""
    Device.objects.bulk_create(
        [
            Device(
                agency=inventory.agency,
                site=inventory.dinkes_site,
                name=f"Twin {n // 5:03d}",
                kind="access_point",
                serial_number=f"TW{n:04d}",
            )
            for n in range(count)
        ]
    )


def walk(client: Client, query: str = "?") -> tuple[list[list[int]], str]:
    pages: list[list[int]] = []
    url: str | None = DEVICES + query
    html = ""
    while url is not None:
        html = client.get(url).content.decode()
        pages.append(rows(html, "device"))
        following = link(html, "next")
        url = DEVICES + following if following else None
    return pages, html


def test_it_walks_every_device_once_forward_and_back_among_equal_names(
    alpha: Inventory,  # noqa: F811
) -> None:
    same_names(alpha, 123)
    client = client_for("alpha.kadis")
    pages, last = walk(client)
    every = list(Device.objects.filter(agency=alpha.agency).order_by("name", "pk"))
    assert [len(page) for page in pages] == [50, 50, len(every) - 100]
    assert [pk for page in pages for pk in page] == [device.pk for device in every]
    back = [rows(last, "device")]
    html = last
    while (previous := link(html, "prev")) is not None:
        html = client.get(DEVICES + previous).content.decode()
        back.append(rows(html, "device"))
    assert back[::-1] == pages


def test_it_keeps_the_filters_in_the_device_list_links(alpha: Inventory) -> None:  # noqa: F811
    same_names(alpha, 80)
    make_devices(alpha.agency, alpha.dinkes_site, 70)
    client = client_for("alpha.kadis")
    pages, _ = walk(client, "?kind=access_point&q=Twin")
    wanted = Device.objects.filter(kind="access_point", name__startswith="Twin")
    assert [pk for page in pages for pk in page] == list(
        wanted.order_by("name", "pk").values_list("pk", flat=True)
    )
    html = client.get(DEVICES + "?kind=access_point&q=Twin").content.decode()
    following = link(html, "next")
    assert following is not None
    query = parse_qs(urlsplit(following).query)
    assert (query["kind"], query["q"], query["page"]) == (["access_point"], ["Twin"], ["2"])
    assert 'data-count="80"' in html
    # The export buttons keep the filters, not the cursor.
    second = client.get(DEVICES + following).content.decode()
    exports = re.findall(r'data-export="csv" href="([^"]+)"', second)
    assert exports
    assert "after=" not in exports[0]
    assert "kind=access_point" in exports[0]


@pytest.mark.parametrize(
    "query",
    [
        "?after=%FF%FE",
        "?before=",
        "?after=" + keyset.encode(["Twin 001"]),
        "?after=" + keyset.encode([["Twin"], 1]),
        "?after=" + keyset.encode(["Twin 001", "one"]),
        "?before=" + keyset.encode(["Twin 001", -(2**70)]),
        "?after=" + keyset.encode([{"a": 1}, 2]) + "&kind=access_point",
    ],
)
def test_it_answers_a_bad_device_cursor_with_the_first_page(
    alpha: Inventory,  # noqa: F811
    query: str,
) -> None:
    same_names(alpha, 60)
    client = client_for("alpha.kadis")
    start = "?kind=access_point" if "kind=" in query else ""
    first = rows(client.get(DEVICES + start).content.decode(), "device")
    response = client.get(DEVICES + query)
    assert response.status_code == 200
    assert rows(response.content.decode(), "device") == first


def test_it_streams_the_device_export_in_chunks(alpha: Inventory) -> None:  # noqa: F811
    same_names(alpha, 2 * tabular.BATCH + 10)
    response = client_for("alpha.kadis").get(
        reverse("inventory:export", args=["devices"]) + "?kind=access_point&format=csv"
    )
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    pieces = list(cast(Iterator[bytes], response.streaming_content))
    assert len(pieces) >= 3  # the header, then BATCH lines to a piece
    content = b"".join(pieces)
    assert content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[0] == [column.header for column in COLUMNS["devices"]]
    wanted = Device.objects.filter(agency=alpha.agency, kind="access_point")
    assert sorted(row[4] for row in table[1:]) == sorted(
        wanted.values_list("serial_number", flat=True)
    )
    # Byte for byte the file the export wrote in one piece before it streamed.
    assert content == tabular.export("devices", wanted.order_by("name", "pk"), "csv")
