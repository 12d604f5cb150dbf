"""The message catalogs in jaga/locale: Indonesian is complete, placeholders survive
translation, and the committed .mo files match their .po sources (run `make messages`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.utils import translation

import jaga

LOCALE_DIR = Path(jaga.__file__).resolve().parent / "locale"
LANGUAGES = ["id", "en"]
PLURAL_FORMS = {"id": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}

# %(name)s / %(count)d and friends, bare %s / %d, and {{ var }} (template variables).
PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|\{\{\s*[\w.]+\s*\}\}"
)

Key = tuple[str | None, str | tuple[str, ...]]


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def load_po(language: str) -> Catalog:
    with po_path(language).open("rb") as f:
        return read_po(f, locale=language)


def load_mo(language: str) -> Catalog:
    with po_path(language).with_suffix(".mo").open("rb") as f:
        return read_mo(f)


def messages(catalog: Catalog) -> list[Message]:
    """Every message but the header."""
    return [message for message in catalog if message.id]


def forms(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """A msgid or msgstr as a tuple: one element, or one per plural form."""
    if value is None or isinstance(value, str):
        return (value or "",)
    return tuple(value)


def placeholders(text: str) -> set[str]:
    # "%%" is a literal percent sign, not a placeholder.
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def compiled_content(catalog: Catalog) -> dict[Key, tuple[str, ...]]:
    """(msgctxt, msgid) -> msgstr forms, for what a .mo holds: translated, non-fuzzy
    messages, plus untranslated plural entries, which pybabel compiles with the msgid
    forms as their translation. Contexts read from a .mo are bytes: decoded here."""
    content: dict[Key, tuple[str, ...]] = {}
    for message in messages(catalog):
        strings = forms(message.string)
        if message.fuzzy:
            continue
        if not any(strings):
            if not message.pluralizable:
                continue
            strings = forms(message.id)
        msgid = message.id if isinstance(message.id, str) else tuple(message.id)
        context = message.context
        if isinstance(context, bytes):
            context = context.decode("utf-8")
        content[(context, msgid)] = strings
    return content


def test_it_has_a_catalog_and_a_compiled_catalog_for_every_language() -> None:
    for language in LANGUAGES:
        assert po_path(language).is_file(), language
        assert po_path(language).with_suffix(".mo").is_file(), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_declares_language_charset_and_plural_forms(language: str) -> None:
    header = po_path(language).read_text(encoding="utf-8")
    assert f'"Language: {language}\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header
    assert f'"Plural-Forms: {PLURAL_FORMS[language]}\\n"' in header
    assert load_po(language).plural_forms == PLURAL_FORMS[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_no_fuzzy_entries(language: str) -> None:
    catalog = load_po(language)
    assert not catalog.fuzzy, "the header is marked fuzzy"
    fuzzy = [message.id for message in messages(catalog) if message.fuzzy]
    assert fuzzy == []


def test_it_translates_every_indonesian_entry() -> None:
    catalog = load_po("id")
    assert messages(catalog), "the Indonesian catalog is empty"
    untranslated = []
    for message in messages(catalog):
        strings = forms(message.string)
        expected = catalog.num_plurals if message.pluralizable else 1
        if len(strings) != expected or not all(strings):
            untranslated.append(message.id)
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_keeps_every_placeholder_in_the_translation(language: str) -> None:
    """The same placeholders as the msgid. A plural entry's last form (Indonesian's only
    one) has exactly those of msgid_plural; its other forms may leave some out."""
    mismatched = []
    for message in messages(load_po(language)):
        ids = forms(message.id)
        strings = forms(message.string)
        either = set().union(*(placeholders(msgid) for msgid in ids))
        for index, string in enumerate(strings):
            if not string:
                continue  # untranslated: the msgid is shown (id is checked to be complete)
            found = placeholders(string)
            last = index == len(strings) - 1
            if found != placeholders(ids[-1]) if last else not found <= either:
                mismatched.append((ids, string))
    assert mismatched == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_ships_a_mo_that_matches_its_po(language: str) -> None:
    po, mo = load_po(language), load_mo(language)
    assert compiled_content(mo) == compiled_content(po), (
        f"jaga/locale/{language}/LC_MESSAGES/django.mo is stale: run `make messages`"
    )
    assert mo.plural_forms == po.plural_forms


def test_it_finds_placeholders_of_every_kind() -> None:
    found = placeholders("%(name)s has %(count)d, %s and {{ opd }} at 100%%")
    assert found == {"%(name)s", "%(count)d", "%s", "{{ opd }}"}


def test_it_speaks_indonesian_with_override_id() -> None:
    with translation.override("id"):
        assert translation.gettext("Network maintenance, by the SOP") == (
            "Pemeliharaan jaringan, sesuai SOP"
        )
        assert translation.gettext("Agencies and working calendar") == (
            "Instansi dan kalender kerja"
        )
        assert translation.gettext("Organisation") == "Organisasi"


def test_it_speaks_english_with_override_en() -> None:
    with translation.override("en"):
        assert translation.gettext("Network maintenance, by the SOP") == (
            "Network maintenance, by the SOP"
        )
        assert translation.gettext("Organisation") == "Organisation"
