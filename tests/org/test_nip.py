from datetime import date

import pytest
from django.core.exceptions import ValidationError

from jaga.org.nip import format_nip, parse_nip

TODAY = date(2026, 11, 21)

# The NIPs printed in the seed SOPs (shared/seeds 000, 002, 003, 004).
SEED_NIPS = [
    "19671226 198603 1 002",
    "196712261986031002",
    "19610329 198903 1 004",
    "19641024 198603 1 002",
    "19730408 200212 1 005",
]


@pytest.mark.parametrize("value", SEED_NIPS)
def test_it_accepts_the_nips_printed_in_the_seeds(value: str) -> None:
    nip = parse_nip(value, today=TODAY)
    assert len(nip.digits) == 18
    assert nip.gender == 1


def test_it_splits_a_nip_into_its_parts() -> None:
    nip = parse_nip("19671226 198603 1 002", today=TODAY)
    assert nip.birth_date == date(1967, 12, 26)
    assert nip.appointment == date(1986, 3, 1)
    assert nip.gender == 1
    assert nip.serial == 2


def test_it_prints_a_nip_grouped() -> None:
    assert format_nip("196712261986031002") == "19671226 198603 1 002"
    assert parse_nip("19730408.200212.1.005", today=TODAY).grouped() == "19730408 200212 1 005"


def test_it_leaves_a_non_nip_unchanged_when_printing() -> None:
    assert format_nip("12345") == "12345"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1967122619860310", "18 digits"),
        ("19671226198603100200", "18 digits"),
        ("19671226 198603 1 00A", "digits only"),
        ("19671332 198603 1 002", "birth date"),
        ("19670229 198603 1 002", "birth date"),
        ("18991226 198603 1 002", "not plausible"),
        ("19671226 198613 1 002", "appointment month"),
        ("19671226 198600 1 002", "appointment month"),
        ("19671226 203001 1 002", "future"),
        ("19671226 197501 1 002", "18th birthday"),
        ("19671226 198603 3 002", "gender"),
        ("19671226 198603 0 002", "gender"),
        ("19671226 198603 1 000", "serial"),
    ],
)
def test_it_rejects_a_malformed_nip_with_its_reason(value: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_nip(value, today=TODAY)
    assert caught.value.code == "invalid_nip"
    assert reason in caught.value.messages[0]


def test_it_accepts_a_leap_day_birth_date() -> None:
    assert parse_nip("19680229 199003 2 011", today=TODAY).birth_date == date(1968, 2, 29)
