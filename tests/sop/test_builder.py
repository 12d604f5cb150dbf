"""The SOP builder (issue 17 point 4): form ⇄ YAML ⇄ spec, drafts, publishing, import and
export, the steps sheet, the readable diff, and who may use it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from jaga.org.models import User
from jaga.sop import builder
from jaga.sop.models import SopDraft
from jaga.sop.services import LIBRARY
from jaga.sop.validate import check_text, load_spec
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD, make_agency
from tests.workflow.conftest import add_holder

pytestmark = pytest.mark.django_db

LIBRARY_FILES = sorted(LIBRARY.glob("*.yaml"))


class FormFields(HTMLParser):
    """The (name, value) pairs a browser submits for the form ``form_id``, in document
    order: inputs (checked boxes only), selected options, textareas; <template> content is
    not part of the form."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.template = 0
        self.pairs: list[tuple[str, str]] = []
        self.select: tuple[str, bool] | None = None
        self.option: str | None = None
        self.option_selected = False
        self.option_text = ""
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form" and attr.get("id") == self.form_id:
            self.inside = True
        if tag == "template":
            self.template += 1
        if not self.inside or self.template:
            return
        name = attr.get("name", "")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attr:
                    self.pairs.append((name, attr.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.pairs.append((name, attr.get("value", "")))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attr)
            self.options: list[tuple[str, bool]] = []
        elif tag == "option" and self.select is not None:
            self.option = attr.get("value")
            self.option_selected = "selected" in attr
            self.option_text = ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.text = ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data
        if self.option is not None or self.select is not None:
            self.option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "template" and self.template:
            self.template -= 1
        if tag == "form" and self.inside:
            self.inside = False
        if tag == "option" and self.select is not None:
            value = self.option if self.option is not None else self.option_text.strip()
            self.options.append((value, self.option_selected))
            self.option = None
        if tag == "select" and self.select is not None:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not multiple and not chosen and self.options:
                chosen = [self.options[0][0]]
            self.pairs += [(name, value) for value in chosen]
            self.select = None
        if tag == "textarea" and self.textarea is not None:
            # A textarea drops one newline right after its start tag, as the browser does.
            self.pairs.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_pairs(html: str, form_id: str = "builder-form") -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.pairs


def post_form(browser: Client, url: str, pairs: list[tuple[str, str]]) -> Any:
    """POST ``pairs`` urlencoded, in order, as a browser sends a form."""
    return browser.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")


def client(username: str) -> Client:
    browser = Client()
    browser.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert browser.login(username=username, password=PASSWORD)
    return browser


def agency_with_positions(slug: str) -> Agency:
    agency = make_agency(slug)
    unit = agency.orgunit_set.get()
    for position, nip in [
        ("kabid", "197001012000031001"),
        ("kasi", "198001012005031002"),
        ("teknisi", "199001012015031003"),
    ]:
        add_holder(agency, position, position.title(), unit, f"{slug}.{position}", nip)
    return agency


@pytest.fixture
def alpha() -> Agency:
    return agency_with_positions("alpha")


@pytest.fixture
def admin(alpha: Agency) -> User:
    return User.objects.get(username="alpha.admin")


def dump(spec: Any) -> dict[str, Any]:
    result: dict[str, Any] = spec.model_dump(mode="json")
    return result


# --- form -> YAML -> spec ---------------------------------------------------------------------


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda path: path.stem)
def test_it_gives_back_each_library_sop_from_the_editor_form(
    path: Path, alpha: Agency, admin: User
) -> None:
    spec = load_spec(path.read_text(encoding="utf-8"))
    draft = SopDraft.objects.create(agency=alpha, source=path.read_text(encoding="utf-8"))
    page = client("alpha.admin").get(reverse("sop:builder_draft", args=[draft.pk]))
    assert page.status_code == 200
    pairs = form_pairs(page.content.decode())
    response = post_form(
        client("alpha.admin"), reverse("sop:builder_draft", args=[draft.pk]), pairs
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    again, problems = check_text(draft.source)
    assert problems == []
    assert again is not None
    assert dump(again) == dump(spec)


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda path: path.stem)
def test_it_writes_readable_yaml_in_the_order_of_the_docs(path: Path) -> None:
    data = builder.parse_yaml(path.read_text(encoding="utf-8"))
    text = builder.to_yaml(builder.data_from_form(_Form(form_of(builder.editor_state(data)))))
    assert list(yaml.safe_load(text))[:4] == ["format", "code", "identity", "start"]
    assert "\nsteps:\n- no: 1\n  kegiatan: " in text
    assert "'no'" not in text  # YAML 1.2: the key no is plain text
    assert dump(load_spec(text)) == dump(load_spec(path.read_text(encoding="utf-8")))


class _Form:
    """Form data as a QueryDict gives it: (name, [values]) in order."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def lists(self) -> list[tuple[str, list[str]]]:
        grouped: dict[str, list[str]] = {}
        for name, value in self.pairs:
            grouped.setdefault(name, []).append(value)
        return list(grouped.items())


def form_of(state: dict[str, Any]) -> list[tuple[str, str]]:
    """The pairs the editor's form posts for ``state`` (what the template draws)."""
    pairs: list[tuple[str, str]] = [("format", state["format"]), ("code", state["code"])]
    identity = state["identity"]
    for key in ("nama", "nomor", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif"):
        pairs.append((f"identity-{key}", identity[key]))
    pairs.append(("identity-instansi", identity["instansi"]))
    for key, value in identity["disahkan_oleh"].items():
        pairs.append((f"identity-disahkan_oleh-{key}", value))
    for key in (*builder.IDENTITY_LISTS, "labels"):
        pairs.append((f"identity-{key}", identity[key]))
    pairs += [("start", mode) for mode in state["start"]]
    pairs += [("calendar", state["calendar"]), ("deadline", state["deadline"])]
    pairs.append(("reminders", state["reminders"]))
    for index, lane in enumerate(state["lanes"]):
        pairs += [(f"lane-{index}-key", lane["key"]), (f"lane-{index}-label", lane["label"])]
        pairs += [(f"lane-{index}-positions", code) for code in lane["positions"]]
        if lane["reporter"]:
            pairs.append((f"lane-{index}-reporter", "1"))
        pairs.append((f"lane-{index}-requester", lane["requester"]))
    for index, step in enumerate(state["steps"]):
        for key, value in step.items():
            if key == "branches":
                for number, branch in enumerate(value):
                    pairs += [(f"step-{index}-branch-{number}-{k}", v) for k, v in branch.items()]
            elif key == "fields":
                for number, item in enumerate(value):
                    for k, v in item.items():
                        if isinstance(v, bool):
                            if v:
                                pairs.append((f"step-{index}-field-{number}-{k}", "1"))
                        else:
                            pairs.append((f"step-{index}-field-{number}-{k}", v))
            elif isinstance(value, bool):
                if value:
                    pairs.append((f"step-{index}-{key}", "1"))
            else:
                pairs.append((f"step-{index}-{key}", value))
    for index, fan in enumerate(state["fan_out"]):
        pairs += [(f"fan-{index}-{key}", value) for key, value in fan.items()]
    return pairs
