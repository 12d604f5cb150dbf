"""record_inspection: validation at the edge, ranges, decimal commas, photos, snapshots."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jaga.audit.models import Event
from jaga.inventory.models import Device
from jaga.maintenance.inspections import (
    InvalidInspection,
    parse_measurement,
    record_inspection,
)
from jaga.maintenance.models import (
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionResult,
)
from jaga.org.models import User
from jaga.workflow.errors import NotEligible
from jaga.workflow.models import Case
from tests.maintenance.conftest import AT, good_answers, items, photo_for, upload

pytestmark = pytest.mark.django_db


def _record(router: Device, template: ChecklistTemplate, by: User, **kwargs: Any) -> Inspection:
    kwargs.setdefault("answers", good_answers(template))
    kwargs.setdefault("photos", photo_for(template))
    return record_inspection(router, template, by=by, at=AT, **kwargs)


def test_it_records_a_passing_inspection_with_an_audit_event(
    router: Device, template: ChecklistTemplate, technician: User, media: Path
) -> None:
    inspection = _record(router, template, technician)
    assert inspection.result == InspectionResult.PASS
    assert inspection.site_id == router.site_id
    assert inspection.inspected_at == AT
    assert inspection.answers.count() == 5
    assert not inspection.answers.filter(failed=True).exists()
    assert Event.objects.filter(action="maintenance.inspection.recorded").count() == 1
    assert Case.objects.count() == 0
    photo = inspection.answers.get(label="Foto rak perangkat")
    assert photo.photo.name.startswith(f"inspections/{router.agency_id}/")
    assert photo.photo_content_type == "image/jpeg"


def test_it_accepts_an_indonesian_decimal_comma(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    inspection = _record(router, template, technician)
    assert inspection.answers.get(label="Suhu perangkat").value == Decimal("38.5")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12,5", "12.5"), ("12.5", "12.5"), (" 1.234,5 ", "1234.5"), ("-3", "-3"), ("0,125", "0.125")],
)
def test_it_parses_measurements_in_both_notations(typed: str, expected: str) -> None:
    assert parse_measurement(typed) == Decimal(expected)


@pytest.mark.parametrize("typed", ["abc", "1,2,3", "NaN", "Infinity", "1,2345"])
def test_it_refuses_what_is_not_a_measurement(typed: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_measurement(typed)


def test_it_fails_an_item_measured_outside_its_range(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    answers = good_answers(template, Suhu_perangkat={"value": "45,1"})
    inspection = _record(router, template, technician, answers=answers, handled_by_sop=True)
    assert inspection.result == InspectionResult.FAIL
    failed = list(inspection.answers.filter(failed=True).values_list("label", flat=True))
    assert failed == ["Suhu perangkat"]


def test_it_passes_a_value_on_the_edge_of_its_range(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    answers = good_answers(
        template, Suhu_perangkat={"value": "45"}, Kecepatan_unduh={"value": "10"}
    )
    assert _record(router, template, technician, answers=answers).result == InspectionResult.PASS


def test_it_fails_an_item_below_its_minimum_and_a_failed_pass_fail_item(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    answers = good_answers(
        template,
        Kecepatan_unduh={"value": "9,99"},
        Lampu_indikator_normal={"passed": "fail"},
    )
    inspection = _record(router, template, technician, answers=answers, handled_by_sop=True)
    failed = set(inspection.answers.filter(failed=True).values_list("label", flat=True))
    assert failed == {"Kecepatan unduh", "Lampu indikator normal"}


def test_it_names_every_bad_item_and_writes_nothing(
    router: Device, template: ChecklistTemplate, technician: User, media: Path
) -> None:
    by_label = items(template)
    answers = good_answers(template, Suhu_perangkat={"value": "panas"})
    del answers[by_label["Lampu indikator normal"].pk]
    with pytest.raises(InvalidInspection) as caught:
        # a valid photo is sent too: it must not stay on disk
        _record(router, template, technician, answers=answers)
    assert set(caught.value.item_errors) == {
        by_label["Lampu indikator normal"].pk,
        by_label["Suhu perangkat"].pk,
    }
    assert (
        caught.value.item_errors[by_label["Suhu perangkat"].pk] == "Enter a number, such as 12,5."
    )
    assert Inspection.objects.count() == 0
    assert InspectionAnswer.objects.count() == 0
    assert not Event.objects.filter(action__startswith="maintenance.").exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_it_requires_a_required_photo(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    with pytest.raises(InvalidInspection) as caught:
        _record(router, template, technician, photos={})
    assert caught.value.item_errors == {
        items(template)["Foto rak perangkat"].pk: "A photo is required."
    }
    assert Inspection.objects.count() == 0


def test_it_refuses_a_photo_that_is_not_an_image(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    photos = {items(template)["Foto rak perangkat"].pk: upload("rak.jpg", b"not an image")}
    with pytest.raises(InvalidInspection) as caught:
        _record(router, template, technician, photos=photos)
    assert "is not a photo" in caught.value.item_errors[items(template)["Foto rak perangkat"].pk]


def test_it_refuses_an_answer_to_an_item_of_another_checklist(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    answers = good_answers(template)
    answers[999_999] = {"passed": True}
    with pytest.raises(InvalidInspection) as caught:
        _record(router, template, technician, answers=answers)
    assert "answers" in caught.value.errors


def test_it_refuses_a_checklist_of_another_device_kind(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    template.device_kind = "switch"
    template.save()
    with pytest.raises(InvalidInspection) as caught:
        _record(router, template, technician)
    assert "template" in caught.value.errors


def test_an_opd_user_cannot_inspect(router: Device, template: ChecklistTemplate) -> None:
    reporter = User.objects.get(username="alpha.dinkes")
    with pytest.raises(NotEligible):
        _record(router, template, reporter)
    assert Inspection.objects.count() == 0


def test_a_user_of_another_agency_cannot_inspect(
    router: Device, template: ChecklistTemplate, world_b: object
) -> None:
    with pytest.raises(NotEligible):
        _record(router, template, User.objects.get(username="beta.teknisi"))


def test_the_snapshot_survives_template_edits(
    router: Device, template: ChecklistTemplate, technician: User
) -> None:
    answers = good_answers(template, Suhu_perangkat={"value": "50"})
    inspection = _record(router, template, technician, answers=answers, handled_by_sop=True)
    temperature = items(template)["Suhu perangkat"]
    temperature.label = "Suhu ruangan"
    temperature.unit = "°F"
    temperature.maximum = Decimal(120)
    temperature.save()
    items(template)["Kecepatan unduh"].delete()
    answer = inspection.answers.get(position=temperature.position)
    assert (answer.label, answer.unit, answer.maximum, answer.failed) == (
        "Suhu perangkat",
        "°C",
        Decimal(45),
        True,
    )
    speed = inspection.answers.get(label="Kecepatan unduh")
    assert speed.item_id is None
    assert (speed.unit, speed.minimum, speed.value) == ("Mbps", Decimal(10), Decimal(55))
