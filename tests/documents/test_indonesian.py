"""Numbers and dates in Indonesian, as the Berita Acara prints them."""

from __future__ import annotations

import datetime as dt

import pytest

from jaga.documents.indonesian import bulan_romawi, pembuka_berita_acara, tanggal, terbilang


def test_it_spells_the_berita_acara_opening() -> None:
    assert pembuka_berita_acara(dt.date(2026, 11, 23)) == (
        "Pada hari ini Senin tanggal dua puluh tiga bulan November tahun dua ribu dua puluh enam"
    )


def test_it_prints_the_long_date_with_the_weekday() -> None:
    assert tanggal(dt.date(2026, 11, 23)) == "Senin, 23 November 2026"
    assert tanggal(dt.date(2027, 3, 10)) == "Rabu, 10 Maret 2027"


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (11, "sebelas"),
        (100, "seratus"),
        (1000, "seribu"),
        (2026, "dua ribu dua puluh enam"),
    ],
)
def test_it_spells_numbers(number: int, words: str) -> None:
    assert terbilang(number) == words


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_it_refuses_what_is_not_a_whole_number(bad: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        terbilang(bad)  # type: ignore[arg-type]


def test_it_writes_months_in_roman_numerals() -> None:
    assert [bulan_romawi(m) for m in (1, 4, 9, 11, 12)] == ["I", "IV", "IX", "XI", "XII"]
    with pytest.raises(ValueError, match="a month is"):
        bulan_romawi(13)
