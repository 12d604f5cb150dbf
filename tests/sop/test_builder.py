"""The SOP builder (issue 17 point 4): form ⇄ YAML ⇄ spec, drafts, publishing, import and
export, the steps sheet, the readable diff, and who may use it."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jaga.audit.models import Event
from jaga.org.models import User
from jaga.sop import builder, builderdiff, stepsheet
from jaga.sop.models import SopDefinition, SopDraft
from jaga.sop.services import LIBRARY, load_definition
from jaga.sop.validate import check_text, load_spec
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD, make_agency
from tests.workflow.conftest import MINI_SOP, add_holder

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


# --- drafts, publishing, import and export ----------------------------------------------------


def mini_draft(agency: Agency, source: str = MINI_SOP) -> SopDraft:
    return SopDraft.objects.create(agency=agency, code="mini", source=source)


def test_it_publishes_a_draft_as_a_new_audited_version(alpha: Agency, admin: User) -> None:
    load_definition(alpha, MINI_SOP, path="mini.yaml")
    draft = mini_draft(alpha, MINI_SOP.replace("waktu: 1 Jam", "waktu: 2 Jam"))
    response = client("alpha.admin").post(reverse("sop:builder_publish", args=[draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("sop:builder_versions", args=["mini"])
    current = SopDefinition.objects.get(agency=alpha, code="mini", is_current=True)
    assert current.version == 2
    assert current.loaded_by == admin
    assert current.spec.step("5").waktu == "2 Jam"
    draft.refresh_from_db()
    assert draft.based_on == current
    event = Event.objects.filter(agency=alpha, action="sop.sopdefinition.loaded").last()
    assert event is not None
    assert event.actor_id == admin.pk
    assert event.after is not None
    assert event.after["version"] == 2
    assert event.before is not None
    assert event.before["version"] == 1


def test_it_publishes_nothing_from_a_draft_with_problems(alpha: Agency, admin: User) -> None:
    draft = mini_draft(
        alpha, MINI_SOP.replace("lane: kasi, kind: assignment", "lane: kasii, kind: assignment")
    )
    response = client("alpha.admin").post(
        reverse("sop:builder_publish", args=[draft.pk]), follow=True
    )
    assert "The SOP was not published" in response.content.decode()
    assert "unknown lane &quot;kasii&quot;" in response.content.decode()
    assert not SopDefinition.objects.filter(agency=alpha).exists()


def test_it_refuses_to_publish_lanes_naming_positions_the_agency_lacks(
    alpha: Agency, admin: User
) -> None:
    draft = mini_draft(alpha, MINI_SOP.replace("positions: [kabid]", "positions: [sekdis]"))
    checked = builder.check_source(draft.source, alpha)
    assert [problem.message for problem in checked.problems] == [
        'lane "kabid": agency "alpha" has no position "sekdis"'
    ]
    with pytest.raises(builder.SopInvalid):
        builder.publish(draft, admin)
    assert not SopDefinition.objects.filter(agency=alpha).exists()


def test_it_edits_an_sop_in_one_draft_from_its_current_version(alpha: Agency, admin: User) -> None:
    definition = load_definition(alpha, MINI_SOP, path="mini.yaml").definition
    url = reverse("sop:builder_edit_sop", args=["mini"])
    first = client("alpha.admin").post(url)
    second = client("alpha.admin").post(url)
    draft = SopDraft.objects.get(agency=alpha)
    assert first["Location"] == second["Location"] == reverse("sop:builder_draft", args=[draft.pk])
    assert draft.source == definition.source
    assert draft.based_on == definition


def test_it_starts_a_new_sop_with_the_agencys_name_lines(alpha: Agency, admin: User) -> None:
    response = client("alpha.admin").post(reverse("sop:builder_new"))
    draft = SopDraft.objects.get(agency=alpha)
    assert response["Location"] == reverse("sop:builder_draft", args=[draft.pk])
    data = builder.parse_yaml(draft.source)
    assert isinstance(data, dict)
    assert data["identity"]["instansi"] == [alpha.government_name, alpha.name]
    page = client("alpha.admin").get(response["Location"]).content.decode()
    assert "code: Field required" in page


def test_it_saves_the_form_and_answers_problems_linked_to_their_row(
    alpha: Agency, admin: User
) -> None:
    draft = mini_draft(alpha)
    page = client("alpha.admin").get(reverse("sop:builder_draft", args=[draft.pk]))
    pairs = [
        (name, "tekniss" if name == "step-6-lane" else value)
        for name, value in form_pairs(page.content.decode())
    ]
    response = post_form(
        client("alpha.admin"), reverse("sop:builder_check", args=[draft.pk]), pairs
    )
    html = response.content.decode()
    assert 'href="#step-6"' in html
    assert "step 7: unknown lane &quot;tekniss&quot;" in html
    assert 'id="builder-preview" class="builder-preview" hx-swap-oob="true"' in html
    assert "data-no-preview" in html
    draft.refresh_from_db()
    assert "lane: tekniss" in draft.source
    fixed = [(name, "teknis" if name == "step-6-lane" else value) for name, value in pairs]
    html = post_form(
        client("alpha.admin"), reverse("sop:builder_check", args=[draft.pk]), fixed
    ).content.decode()
    assert 'data-problems="0"' in html
    assert "sop-flowchart" in html  # the SOP AP preview


def test_it_exports_the_draft_as_yaml(alpha: Agency, admin: User) -> None:
    draft = mini_draft(alpha)
    response = client("alpha.admin").get(reverse("sop:builder_export", args=[draft.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="sop-mini.yaml"'
    assert response.content.decode() == MINI_SOP


def upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_it_imports_a_yaml_file_into_the_draft(alpha: Agency, admin: User) -> None:
    draft = mini_draft(alpha, "format: jaga-sop/1\n")
    text = (LIBRARY / "003-bolmut-maintenance-gangguan-jaringan.yaml").read_text(encoding="utf-8")
    response = client("alpha.admin").post(
        reverse("sop:builder_import", args=[draft.pk]),
        {"file": upload("sop.yaml", text.encode())},
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.source == text
    assert draft.code == "maintenance-gangguan-jaringan"
    assert "Imported: the definition is valid." in response.content.decode()


def test_it_keeps_an_invalid_yaml_definition_with_its_problems(alpha: Agency, admin: User) -> None:
    draft = mini_draft(alpha)
    broken = MINI_SOP.replace("kegiatan: Tim memeriksa", "kegiatann: Tim memeriksa")
    response = client("alpha.admin").post(
        reverse("sop:builder_import", args=[draft.pk]),
        {"file": upload("sop.yaml", broken.encode())},
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.source == broken
    page = response.content.decode()
    assert "kegiatann: Extra inputs are not permitted" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"steps: [1, 2\n", "Not valid YAML: line 2"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b"- just\n- a list\n", "not an SOP definition"),
    ],
)
def test_it_refuses_a_file_that_is_not_a_yaml_definition_and_changes_nothing(
    content: bytes, message: str, alpha: Agency, admin: User
) -> None:
    draft = mini_draft(alpha)
    response = client("alpha.admin").post(
        reverse("sop:builder_import", args=[draft.pk]),
        {"file": upload("sop.yaml", content)},
        follow=True,
    )
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.source == MINI_SOP


# --- the steps sheet ----------------------------------------------------------------------------


def sheet(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    page = workbook.active
    assert page is not None
    for row in rows:
        page.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = [
    "No",
    "Uraian Prosedur",
    "Kepala Seksi",
    "Tim Teknis",
    "Persyaratan",
    "Waktu",
    "Output",
    "Ket",
]


def test_it_imports_a_steps_table_laid_out_like_the_sop_ap(alpha: Agency, admin: User) -> None:
    draft = mini_draft(alpha)
    content = sheet(
        [
            ["SOP PEMASANGAN"],
            HEADER,
            [1, "Kasi menunjuk tim", "x", None, "Disposisi", "15 menit", "Memo", None],
            [2, "Apakah perangkat rusak?", None, "✓", None, "1 jam", None, None],
            ["2a", "Tim mengganti perangkat", None, "x", "Spare", "1 hari", "BA", "jika rusak"],
        ]
    )
    response = client("alpha.admin").post(
        reverse("sop:builder_import_steps", args=[draft.pk]),
        {"file": upload("langkah.xlsx", content)},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    data = builder.parse_yaml(draft.source)
    assert isinstance(data, dict)
    assert data["steps"] == [
        {
            "no": 1,
            "kegiatan": "Kasi menunjuk tim",
            "lane": "kepala_seksi",
            "kelengkapan": "Disposisi",
            "waktu": "15 menit",
            "output": "Memo",
        },
        {
            "no": 2,
            "kegiatan": "Apakah perangkat rusak?",
            "lane": "teknis",
            "kind": "decision",
            "waktu": "1 jam",
            "branches": [
                {"key": "ya", "label": "Ya", "next": "2a"},
                {"key": "tidak", "label": "Tidak"},
            ],
        },
        {
            "no": "2a",
            "kegiatan": "Tim mengganti perangkat",
            "lane": "teknis",
            "kelengkapan": "Spare",
            "waktu": "1 hari",
            "output": "BA",
            "keterangan": "jika rusak",
        },
    ]
    # "Tim Teknis" is a lane's label already; "Kepala Seksi" becomes a new lane.
    assert data["lanes"][-1] == {"key": "kepala_seksi", "label": "Kepala Seksi"}
    assert len(data["lanes"]) == 6


def test_it_reports_every_bad_row_of_a_steps_table_and_changes_nothing(
    alpha: Agency, admin: User
) -> None:
    draft = mini_draft(alpha)
    content = sheet(
        [
            HEADER,
            [1, "Kasi menunjuk tim", "x", None, None, "15 menit", None, None],
            ["x1", "", None, None, None, "sebentar", None, None],
            [1, "Lagi", "x", None, None, "", None, None],
        ]
    )
    with pytest.raises(stepsheet.SheetInvalid) as refused:
        stepsheet.import_steps(draft, content, admin)
    assert refused.value.errors[0].startswith(
        "Row 3: No must be a step number such as 3 or 3a; Kegiatan is empty; "
        "no lane column is marked; "
    )
    assert refused.value.errors[1] == (
        "Row 4: step 1 appears twice; "
        "Waktu is empty (write kondisional when there is no fixed time)."
    )
    draft.refresh_from_db()
    assert draft.source == MINI_SOP


def test_it_refuses_a_file_that_is_not_a_steps_table(alpha: Agency, admin: User) -> None:
    draft = mini_draft(alpha)
    for content, error in [
        (b"not a workbook", "The file is not a readable XLSX workbook."),
        (sheet([["Nama", "Alamat"], ["a", "b"]]), "No header row found"),
    ]:
        with pytest.raises(stepsheet.SheetInvalid) as refused:
            stepsheet.import_steps(draft, content, admin)
        assert refused.value.errors[0].startswith(error)
    draft.refresh_from_db()
    assert draft.source == MINI_SOP


def test_its_steps_template_imports_back_to_the_same_steps(alpha: Agency, admin: User) -> None:
    simple = MINI_SOP.split("  - no: 5")[0]  # steps 1 to 4: no branches or fields
    draft = mini_draft(alpha, simple)
    response = client("alpha.admin").get(reverse("sop:builder_steps_template", args=[draft.pk]))
    content = response.content
    header = next(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert header == (
        "No",
        "Kegiatan",
        "OPD Pelapor",
        "Kadis",
        "Kabid",
        "Kasi",
        "Tim Teknis",
        "Kelengkapan",
        "Waktu",
        "Output",
        "Keterangan",
    )
    before = builder.parse_yaml(draft.source)
    stepsheet.import_steps(draft, content, admin)
    after = builder.parse_yaml(draft.source)
    assert isinstance(before, dict)
    assert isinstance(after, dict)
    assert after["lanes"] == before["lanes"]
    keep = ("no", "kegiatan", "lane", "waktu", "output", "kelengkapan", "keterangan")
    assert after["steps"] == [
        {key: value for key, value in step.items() if key in keep} for step in before["steps"]
    ]


# --- the readable diff --------------------------------------------------------------------------


def test_it_says_what_changed_between_two_versions() -> None:
    old = MINI_SOP
    new = (
        MINI_SOP.replace("waktu: 1 Jam", "waktu: 2 Jam")
        .replace("nama: Penanganan Gangguan (uji)", "nama: Penanganan Gangguan")
        .replace(
            "  - {key: teknis, label: Tim Teknis, positions: [teknisi]}",
            "  - {key: teknis, label: Tim Teknis, positions: [teknisi]}\n"
            "  - {key: kabag, label: Kabag, positions: [kabag]}",
        )
        .replace(
            "  - {no: 10, kegiatan: Kadis review, lane: kadis, kind: report, waktu: 2x24 jam}",
            "  - {no: 10, kegiatan: Kadis review, lane: kadis, kind: report, waktu: 2x24 jam}\n"
            "  - {no: 11, kegiatan: Kabag menerima, lane: kabag, waktu: 1 hari}",
        )
    )
    diff = builderdiff.diff_sources(old, new)
    lines = diff.lines()
    assert "Identity — nama: Penanganan Gangguan (uji) → Penanganan Gangguan" in lines
    assert "Lane kabag added (Kabag)" in lines
    assert "Step 5 — waktu: 1 Jam → 2 Jam" in lines
    assert "Step 11 added: Kabag menerima" in lines
    assert len(lines) == 4


def test_it_shows_removed_steps_and_no_change_for_a_default_written_out() -> None:
    new = MINI_SOP.replace(
        "kegiatan: Laporan masuk, lane: opd,", "kegiatan: Laporan masuk, lane: opd, kind: activity,"
    )
    assert builderdiff.diff_sources(MINI_SOP, new).empty
    fewer = MINI_SOP.split("  - {no: 7,")[0].replace("next: 7", "next: end")
    lines = builderdiff.diff_sources(MINI_SOP, fewer).lines()
    assert "Step 7 removed: Berita acara pekerjaan" in lines
    assert "Step 5 — branches perbaiki next: 7 → end" in lines


def test_it_falls_back_to_a_text_diff_when_a_side_is_not_yaml() -> None:
    diff = builderdiff.diff_sources(MINI_SOP, MINI_SOP + "steps: [\n")
    assert diff.sections == {}
    assert "+steps: [" in diff.unified


def test_it_shows_the_diff_of_two_versions_and_of_the_draft(alpha: Agency, admin: User) -> None:
    load_definition(alpha, MINI_SOP, path="mini.yaml")
    load_definition(alpha, MINI_SOP.replace("waktu: 3 Jam", "waktu: 4 Jam"), path="mini.yaml")
    draft = mini_draft(alpha, MINI_SOP.replace("waktu: 3 Jam", "waktu: 5 Jam"))
    page = client("alpha.admin").get(reverse("sop:builder_versions", args=["mini"])).content
    assert "Step 6 — waktu: 3 Jam → 4 Jam" in page.decode()
    page = (
        client("alpha.admin")
        .get(reverse("sop:builder_versions", args=["mini"]) + "?a=2&b=1")
        .content
    )
    assert "Step 6 — waktu: 4 Jam → 3 Jam" in page.decode()
    page = client("alpha.admin").get(reverse("sop:builder_diff", args=[draft.pk])).content
    assert "Step 6 — waktu: 4 Jam → 5 Jam" in page.decode()


# --- who may use it -----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["alpha.kadis", "alpha.dinkes", "alpha.kasi"])
def test_it_is_for_the_agencys_administrators_only(username: str, alpha: Agency) -> None:
    draft = mini_draft(alpha)
    browser = client(username)
    assert browser.get(reverse("sop:builder")).status_code == 403
    assert browser.get(reverse("sop:builder_draft", args=[draft.pk])).status_code == 403
    assert (
        browser.post(reverse("sop:builder_check", args=[draft.pk]), {"code": "x"}).status_code
        == 403
    )
    assert browser.post(reverse("sop:builder_new")).status_code == 403
    draft.refresh_from_db()
    assert draft.source == MINI_SOP
    assert SopDraft.objects.count() == 1


def test_it_hides_another_agencys_drafts_and_sops(alpha: Agency) -> None:
    load_definition(alpha, MINI_SOP, path="mini.yaml")
    draft = mini_draft(alpha)
    make_agency("beta")
    browser = client("beta.admin")
    for name in (
        "sop:builder_draft",
        "sop:builder_export",
        "sop:builder_source",
        "sop:builder_diff",
    ):
        assert browser.get(reverse(name, args=[draft.pk])).status_code == 404
    for name in ("sop:builder_check", "sop:builder_publish", "sop:builder_delete"):
        assert browser.post(reverse(name, args=[draft.pk]), {"code": "x"}).status_code == 404
    assert browser.get(reverse("sop:builder_versions", args=["mini"])).status_code == 404
    assert browser.post(reverse("sop:builder_edit_sop", args=["mini"])).status_code == 404
    listed = browser.get(reverse("sop:builder")).content.decode()
    assert reverse("sop:builder_versions", args=["mini"]) not in listed
    assert reverse("sop:builder_draft", args=[draft.pk]) not in listed
    assert browser.get(reverse("sop:builder_draft", args=[2**63])).status_code == 404
    draft.refresh_from_db()
    assert draft.source == MINI_SOP


def test_it_reads_a_large_sop_from_the_editors_single_payload_field(
    alpha: Agency, admin: User
) -> None:
    draft = mini_draft(alpha)
    pairs: list[tuple[str, str]] = [("format", "jaga-sop/1"), ("code", "besar")]
    pairs += [
        ("identity-nama", "SOP besar"),
        ("identity-instansi", "DINAS UJI"),
        ("start", "manual"),
    ]
    pairs += [("lane-0-key", "kasi"), ("lane-0-label", "Kasi"), ("lane-0-positions", "kasi")]
    for number in range(1, 151):  # 150 steps of 12 inputs: more than Django's 1,000 fields
        pairs += [
            (f"step-{number}-{key}", value)
            for key, value in [
                ("no", str(number)),
                ("kegiatan", f"Langkah {number}"),
                ("lane", "kasi"),
                ("lanes", ""),
                ("kind", "activity"),
                ("kelengkapan", ""),
                ("waktu", "1 jam"),
                ("output", ""),
                ("keterangan", ""),
                ("next", ""),
                ("return_to", ""),
                ("to_lane", ""),
            ]
        ]
    assert len(pairs) > 1000
    response = client("alpha.admin").post(
        reverse("sop:builder_check", args=[draft.pk]), {"payload": json.dumps(pairs)}
    )
    assert response.status_code == 200
    assert 'data-problems="0"' in response.content.decode()
    spec = load_spec(SopDraft.objects.get(pk=draft.pk).source)
    assert len(spec.steps) == 150
    refused = client("alpha.admin").post(
        reverse("sop:builder_check", args=[draft.pk]), {"payload": '{"not": "pairs"}'}
    )
    assert refused.status_code == 400
    assert len(load_spec(SopDraft.objects.get(pk=draft.pk).source).steps) == 150
