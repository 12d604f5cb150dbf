"""Number patterns cannot break a step (issue 13 point 2): a pattern is validated when it
is saved (documented placeholders only, no format spec or conversion, bounded padding,
numbers that fit ``Document.number``), and a bad pattern already in the database gives the
default number and a warning instead of an error."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from jaga.documents.models import (
    MAX_DIGITS,
    MAX_SEQUENCE,
    NUMBER_MAX_LENGTH,
    PLACEHOLDERS,
    NumberPattern,
    check_number_pattern,
)
from jaga.documents.numbering import (
    SHIPPED_PATTERNS,
    format_number,
    issue_number,
    shipped_pattern,
)
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD

TODAY = dt.date.today()


def pattern(
    text: str, *, klasifikasi: str = "", unit_code: str = "", digits: int = 0
) -> NumberPattern:
    return NumberPattern(
        document_type=DocumentType.SURAT_TUGAS.value,
        pattern=text,
        klasifikasi=klasifikasi,
        unit_code=unit_code,
        digits=digits,
    )


@pytest.mark.parametrize(
    "text",
    [
        "{urut:d}/{tahun}",
        "{urut:>200}/{tahun}",
        "{urut!r}/{tahun}",
        "{urut}/{tahun:%Y}",
        "{urut.real}/{tahun}",
        "{urut[0]}/{tahun}",
        "{}/{urut}/{tahun}",
        "{0}/{urut}/{tahun}",
        "{urut}/{tahun}}",
    ],
)
def test_it_refuses_a_pattern_with_a_format_spec_conversion_or_unknown_field(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_number_pattern(text, "", "", 0)
    assert "pattern" in caught.value.message_dict


def test_it_refuses_padding_beyond_the_bound() -> None:
    with pytest.raises(ValidationError) as caught:
        check_number_pattern("{urut}/{tahun}", "", "", 200)
    assert "at most 6 digits" in caught.value.message_dict["digits"][0]


def test_it_refuses_a_pattern_whose_numbers_do_not_fit_the_column() -> None:
    unit = "U" * 60
    check_number_pattern("{unit}/{urut}/{tahun}", "", unit, 3)  # 60 + 1 + 5 + 1 + 4 fits
    with pytest.raises(ValidationError, match="at most 160"):
        check_number_pattern("{unit}/{unit}/{unit}/{urut}/{tahun}", "", unit, 3)


@pytest.mark.django_db
def test_the_admin_shows_the_reason_and_saves_no_bad_pattern(agency_a: Agency) -> None:
    client = Client()
    assert client.login(username="alpha.admin", password=PASSWORD)
    url = reverse("admin:documents_numberpattern_add")
    form = {
        "document_type": DocumentType.SURAT_TUGAS.value,
        "pattern": "{urut:d}/{tahun}",
        "klasifikasi": "",
        "unit_code": "",
        "digits": "0",
        "numbered_by": "jaga",
    }
    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "tanpa format atau konversi" in response.content.decode()  # the admin, in Indonesian
    response = client.post(url, {**form, "pattern": "{urut}/{tahun}", "digits": "200"})
    assert response.status_code == 200
    assert not NumberPattern.objects.exists()
    response = client.post(url, {**form, "pattern": "{urut}/{tahun}", "digits": "4"})
    assert response.status_code == 302
    assert NumberPattern.objects.get().digits == 4


text_pieces = st.one_of(
    st.sampled_from(sorted(f"{{{name}}}" for name in PLACEHOLDERS)),
    st.text(st.characters(exclude_characters="{}", exclude_categories=["Cs"]), max_size=30),
    st.sampled_from(["{{", "}}", "/", "."]),
)
dates = st.dates(min_value=dt.date.min, max_value=dt.date.max)


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(text_pieces, min_size=1, max_size=12),
    klasifikasi=st.text(max_size=40),
    unit_code=st.text(max_size=60),
    digits=st.integers(min_value=0, max_value=MAX_DIGITS),
    sequence=st.integers(min_value=1, max_value=MAX_SEQUENCE),
    on=dates,
)
def test_a_valid_pattern_gives_numbers_that_fit_for_any_sequence_and_date(
    pieces: list[str], klasifikasi: str, unit_code: str, digits: int, sequence: int, on: dt.date
) -> None:
    text = "".join(pieces)
    try:
        check_number_pattern(text, klasifikasi, unit_code, digits)
    except ValidationError:
        return
    number = pattern(text, klasifikasi=klasifikasi, unit_code=unit_code, digits=digits)
    formatted = format_number(number, sequence, on)
    assert len(formatted) <= NUMBER_MAX_LENGTH
    # The pattern itself was used, not the fallback: its sequence is padded to its digits.
    assert str(sequence).zfill(digits) in formatted


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=120),
    klasifikasi=st.text(max_size=40),
    unit_code=st.text(max_size=60),
    digits=st.integers(min_value=0, max_value=32767),
    sequence=st.integers(min_value=1, max_value=MAX_SEQUENCE),
    on=dates,
)
def test_any_pattern_in_the_database_gives_a_number_that_fits(
    text: str, klasifikasi: str, unit_code: str, digits: int, sequence: int, on: dt.date
) -> None:
    number = pattern(text, klasifikasi=klasifikasi, unit_code=unit_code, digits=digits)
    assert len(format_number(number, sequence, on)) <= NUMBER_MAX_LENGTH


@pytest.mark.django_db
def test_a_bad_pattern_saved_before_validation_gives_the_default_number_and_a_warning(
    agency_a: Agency, caplog: pytest.LogCaptureFixture
) -> None:
    NumberPattern.objects.create(  # create() skips validation, as rows saved before it did
        agency=agency_a, document_type=DocumentType.SURAT_TUGAS.value, pattern="{urut:d}/{tahun}"
    )
    with caplog.at_level(logging.WARNING, logger="jaga.documents.numbering"):
        issued = issue_number(agency_a, DocumentType.SURAT_TUGAS, TODAY)
    assert issued.text == f"1/{TODAY.year}"
    assert "{urut:d}/{tahun}" in caplog.text
    assert "default format" in caplog.text


def test_the_shipped_patterns_never_give_two_types_the_same_number(agency_a: Agency) -> None:
    on = dt.date(2026, 11, 24)
    numbers = {
        document_type: format_number(shipped_pattern(agency_a, document_type), 7, on)
        for document_type in SHIPPED_PATTERNS
    }
    assert len(set(numbers.values())) == len(numbers), numbers
    assert numbers["berita_acara_pekerjaan"] == "500.12/7/BA/Diskominfo/XI/2026"
    assert numbers["surat_tugas"] == "800.1.11.1/7/Diskominfo/2026"


@pytest.mark.django_db
def test_it_refuses_a_pattern_that_would_give_another_types_numbers(agency_a: Agency) -> None:
    same = {"pattern": "{klasifikasi}/{urut}/{tahun}", "klasifikasi": "500.12", "digits": 3}
    NumberPattern.objects.create(agency=agency_a, document_type="surat_tugas", **same)
    twin = NumberPattern(agency=agency_a, document_type="lembar_disposisi", **same)
    with pytest.raises(ValidationError, match="same numbers"):
        twin.full_clean()
    # Another classification code keeps the numbers apart.
    NumberPattern(
        agency=agency_a, document_type="lembar_disposisi", **{**same, "klasifikasi": "500.12.1"}
    ).full_clean()
