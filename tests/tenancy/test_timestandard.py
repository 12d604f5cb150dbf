"""The parser of SOP time standards ("Waktu" column)."""

from collections.abc import Iterator

import pytest
from django.utils import translation

from jaga.tenancy.timestandard import (
    TimeStandard,
    TimeStandardError,
    TimeUnit,
    parse_time_standard,
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted on their English msgids."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30 Menit", 30, TimeUnit.MINUTE),
        ("30menit", 30, TimeUnit.MINUTE),
        ("30 menit", 30, TimeUnit.MINUTE),
        ("15 mnt", 15, TimeUnit.MINUTE),
        ("1 jam", 1, TimeUnit.HOUR),
        ("2 Jam", 2, TimeUnit.HOUR),
        ("1 hari", 1, TimeUnit.DAY),
        ("3 Hari", 3, TimeUnit.DAY),
        ("3 hari kerja", 3, TimeUnit.DAY),
        ("3  HARI   Kerja", 3, TimeUnit.DAY),
        ("1 minggu", 1, TimeUnit.WEEK),
        ("1 bulan", 1, TimeUnit.MONTH),
        ("  45\u00a0menit ", 45, TimeUnit.MINUTE),
    ],
)
def test_it_reads_a_number_and_a_unit(text: str, amount: int, unit: TimeUnit) -> None:
    standard = parse_time_standard(text)

    assert standard == TimeStandard(amount=amount, unit=unit, elapsed=False)
    assert not standard.conditional


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("2x24 jam", 48),
        ("2 x 24 jam", 48),
        ("2\u00d724 Jam", 48),
        ("1x24jam", 24),
        ("3 X 24 JAM", 72),
    ],
)
def test_it_reads_n_x_24_jam_as_elapsed_clock_hours(text: str, hours: int) -> None:
    standard = parse_time_standard(text)

    assert standard == TimeStandard(amount=hours, unit=TimeUnit.HOUR, elapsed=True)


@pytest.mark.parametrize("text", ["kondisional", " Kondisional ", "KONDISIONAL"])
def test_it_reads_kondisional_as_no_amount_and_no_unit(text: str) -> None:
    standard = parse_time_standard(text)

    assert standard.amount is None
    assert standard.unit is None
    assert standard.conditional


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("30 Menit", "30 menit"),
        ("15 mnt", "15 menit"),
        ("2 Jam", "2 jam"),
        ("3 hari kerja", "3 hari"),
        ("1 minggu", "1 minggu"),
        ("1 bulan", "1 bulan"),
        ("2\u00d724 Jam", "2 x 24 jam"),
        ("1x24jam", "1 x 24 jam"),
        (" Kondisional ", "kondisional"),
    ],
)
def test_it_prints_the_canonical_form(text: str, canonical: str) -> None:
    assert str(parse_time_standard(text)) == canonical


@pytest.mark.parametrize("canonical", ["30 menit", "2 jam", "5 hari", "2 x 24 jam", "kondisional"])
def test_it_parses_its_own_canonical_form_back(canonical: str) -> None:
    assert str(parse_time_standard(canonical)) == canonical


ACCEPTED = '(menit, jam, hari, minggu, bulan), "N x 24 jam", or "kondisional".'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The time standard is empty: write a whole number and a unit " + ACCEPTED),
        ("   ", "The time standard is empty: write a whole number and a unit " + ACCEPTED),
        ("0 menit", 'The time standard "0 menit" is zero: write a whole number of at least 1.'),
        (
            "0 x 24 jam",
            'The time standard "0 x 24 jam" is zero: write a whole number of at least 1.',
        ),
        (
            "-1 jam",
            'The time standard "-1 jam" is negative: write a whole number of at least 1.',
        ),
        (
            "1,5 jam",
            'The time standard "1,5 jam" has a fraction: write a whole number, using a '
            'smaller unit if needed, e.g. "90 menit" instead of "1,5 jam".',
        ),
        (
            "1.5 jam",
            'The time standard "1.5 jam" has a fraction: write a whole number, using a '
            'smaller unit if needed, e.g. "90 menit" instead of "1,5 jam".',
        ),
        (
            "1 tahun",
            'The time standard "1 tahun" has an unknown unit "tahun": use menit, jam, hari, '
            'minggu or bulan, or write "N x 24 jam".',
        ),
        (
            "5 detik",
            'The time standard "5 detik" has an unknown unit "detik": use menit, jam, hari, '
            'minggu or bulan, or write "N x 24 jam".',
        ),
        (
            "2 hr",
            'The time standard "2 hr" has an unknown unit "hr": use menit, jam, hari, '
            'minggu or bulan, or write "N x 24 jam".',
        ),
        (
            "30",
            'The time standard "30" has no unit: add one of menit, jam, hari, minggu, bulan, '
            'e.g. "30 jam".',
        ),
        (
            "jam",
            'The time standard "jam" has no number: write how many, e.g. "30 menit" or "2 jam".',
        ),
        (
            "hari kerja",
            'The time standard "hari kerja" has no number: write how many, e.g. "30 menit" '
            'or "2 jam".',
        ),
        (
            "3 x 12 jam",
            'The time standard "3 x 12 jam" is not a standard form: only "N x 24 jam" '
            '(N whole days of clock time) is accepted, e.g. "2 x 24 jam".',
        ),
        (
            "2 x 24 menit",
            'The time standard "2 x 24 menit" is not a standard form: only "N x 24 jam" '
            '(N whole days of clock time) is accepted, e.g. "2 x 24 jam".',
        ),
        (
            "30 menit lagi",
            'Cannot read the time standard "30 menit lagi": write a whole number and a unit '
            + ACCEPTED,
        ),
        (
            "1 jam 30 menit",
            'Cannot read the time standard "1 jam 30 menit": write a whole number and a unit '
            + ACCEPTED,
        ),
        (
            "segera",
            'Cannot read the time standard "segera": write a whole number and a unit ' + ACCEPTED,
        ),
        (
            "4000 hari",
            'The time standard "4000 hari" is too long: at most 3650 hari (about ten years) '
            "is accepted.",
        ),
    ],
)
def test_it_rejects_what_is_not_a_time_standard_with_a_clear_message(
    text: str, message: str
) -> None:
    with pytest.raises(TimeStandardError) as caught:
        parse_time_standard(text)

    assert str(caught.value) == message
    assert caught.value.text == text


def test_it_raises_a_value_error_subclass() -> None:
    with pytest.raises(ValueError, match="has no unit"):
        parse_time_standard("7")


@pytest.mark.parametrize(
    ("amount", "unit", "elapsed", "problem"),
    [
        (0, TimeUnit.MINUTE, False, "at least 1"),
        (30, None, False, "both be set"),
        (None, TimeUnit.HOUR, False, "both be set"),
        (None, None, True, "kondisional"),
        (36, TimeUnit.HOUR, True, "multiples of 24 jam"),
        (2, TimeUnit.DAY, True, "multiples of 24 jam"),
    ],
)
def test_it_refuses_to_build_a_contradictory_time_standard(
    amount: int | None, unit: TimeUnit | None, elapsed: bool, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        TimeStandard(amount=amount, unit=unit, elapsed=elapsed)
