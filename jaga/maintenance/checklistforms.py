"""Forms of the checklist pages: a template with its items inline, and the inspection of
one device (fields built from the template's items; ``record_inspection`` validates)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from jaga.maintenance.inspections import MAX_TEXT, parse_measurement
from jaga.maintenance.models import ChecklistItem, ChecklistTemplate, ItemKind


class MeasurementField(forms.CharField):
    """A decimal typed in Indonesian or English notation ("12,5"), see
    ``parse_measurement``; empty is None."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            text = format(value.normalize(), "f")
            return text.replace(".", ",")
        return value

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_measurement(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


def style(form: forms.BaseForm) -> None:
    """Give each widget of ``form`` its Tabler class: ``form-select`` for choices,
    ``form-check-input`` for check boxes, ``form-control`` for the rest."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = css


class TemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    """A template's own fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    class Meta:
        model = ChecklistTemplate
        fields = ("name", "device_kind", "is_active", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ItemForm(forms.ModelForm):  # type: ignore[type-arg]
    """One item of a template; the range accepts decimal commas."""

    minimum = MeasurementField(label=_("acceptable minimum"))
    maximum = MeasurementField(label=_("acceptable maximum"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def has_changed(self) -> bool:
        """A new row without a label is an empty row left over, whatever its check boxes
        say: it is skipped, not refused."""
        if (
            self.instance.pk is None
            and not str(self.data.get(self.add_prefix("label"), "")).strip()
        ):
            return False
        return super().has_changed()

    class Meta:
        model = ChecklistItem
        fields = ("position", "kind", "label", "guidance", "required", "unit", "minimum", "maximum")
        widgets = {"guidance": forms.Textarea(attrs={"rows": 1})}


class BaseItemFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Items in position order; a template needs at least one item."""

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("position", "pk")

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        # Model validation (ChecklistItem.clean) runs before save sets the agency.
        form.instance.agency_id = self.instance.agency_id
        return form

    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if (form.instance.pk is not None or form.has_changed())
            and not getattr(form, "cleaned_data", {}).get("DELETE", False)
        ]
        if not kept:
            raise forms.ValidationError(_("A checklist needs at least one item."))


ItemFormSet = inlineformset_factory(
    ChecklistTemplate,
    ChecklistItem,
    form=ItemForm,
    formset=BaseItemFormSet,
    extra=3,
    can_delete=True,
)


def field_name(item: ChecklistItem) -> str:
    """The form field of ``item``'s answer: ``item-<id>-passed``, ``-value``, ``-text`` or
    ``-photo`` by its kind."""
    suffix = {
        ItemKind.PASS_FAIL: "passed",
        ItemKind.MEASURE: "value",
        ItemKind.TEXT: "text",
        ItemKind.PHOTO: "photo",
    }[ItemKind(item.kind)]
    return f"item-{item.pk}-{suffix}"


class InspectionForm(forms.Form):
    """The answers to ``items`` and a note. Every field is optional here: the service
    (``record_inspection``) decides what is required, and its errors are put back on the
    item's field (``add_item_error``). Required items carry the HTML ``required``
    attribute so a phone says so before sending."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, items: list[ChecklistItem], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            attrs: dict[str, Any] = {"required": True} if item.required else {}
            name = field_name(item)
            field: forms.Field
            if item.kind == ItemKind.PASS_FAIL:
                field = forms.ChoiceField(
                    choices=[("pass", _("Pass")), ("fail", _("Fail"))],
                    required=False,
                    widget=forms.RadioSelect(attrs=attrs),
                )
            elif item.kind == ItemKind.MEASURE:
                field = forms.CharField(
                    required=False,
                    max_length=30,
                    widget=forms.TextInput(
                        attrs={**attrs, "inputmode": "decimal", "autocomplete": "off"}
                    ),
                )
            elif item.kind == ItemKind.TEXT:
                field = forms.CharField(
                    required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
                )
            else:
                field = forms.FileField(
                    required=False,
                    widget=forms.ClearableFileInput(
                        attrs={**attrs, "accept": "image/*", "capture": "environment"}
                    ),
                )
            field.label = item.label
            self.fields[name] = field

    def rows(self) -> list[tuple[ChecklistItem, forms.BoundField]]:
        """Each item with its bound field, in order."""
        return [(item, self[field_name(item)]) for item in self.items]

    def answers(self) -> dict[int, dict[str, Any]]:
        """The typed answers by item id (for ``record_inspection``)."""
        answers: dict[int, dict[str, Any]] = {}
        for item in self.items:
            if item.kind == ItemKind.PHOTO:
                continue
            key = field_name(item).rsplit("-", 1)[1]
            answers[item.pk] = {key: self.cleaned_data.get(field_name(item))}
        return answers

    def photos(self) -> dict[int, Any]:
        """The uploaded photos by item id."""
        return {
            item.pk: self.cleaned_data[field_name(item)]
            for item in self.items
            if item.kind == ItemKind.PHOTO and self.cleaned_data.get(field_name(item))
        }

    def add_item_error(self, item_id: int, message: str) -> None:
        """Show ``message`` next to the item with id ``item_id``."""
        item = next(item for item in self.items if item.pk == item_id)
        self.add_error(field_name(item), message)
