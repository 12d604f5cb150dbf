"""The notification preferences form (issue 15 point 4)."""

from __future__ import annotations

from typing import Any

from django import forms

from jaga.notifications.channels import channels
from jaga.notifications.models import Channel, NotificationKind
from jaga.notifications.services import preferences_of
from jaga.org.models import User


def field_name(kind: str, channel: str) -> str:
    """The form field of one (kind, channel) choice."""
    return f"{kind}__{channel}"


class PreferencesForm(forms.Form):
    """One tick box per kind of notice and outside channel the user can receive on (an
    e-mail address, a linked Telegram account, a phone with Web Push). In-app notices
    always appear under the bell."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = preferences_of(user)
        self.channels = [
            Channel(channel) for channel, backend in channels().items() if backend.available(user)
        ]
        self.kinds = [NotificationKind(kind) for kind in NotificationKind.values]
        for kind in self.kinds:
            for channel in self.channels:
                self.fields[field_name(kind, channel)] = forms.BooleanField(
                    required=False,
                    initial=current[(kind, channel)],
                    label=f"{kind.label} · {channel.label}",
                )

    def rows(self) -> list[tuple[NotificationKind, list[forms.BoundField]]]:
        """The table: each kind with its channels' tick boxes, in ``channels`` order."""
        return [
            (kind, [self[field_name(kind, channel)] for channel in self.channels])
            for kind in self.kinds
        ]

    def choices(self) -> dict[tuple[str, str], bool]:
        """The ticked choices as ``(kind, channel) -> on`` (after ``is_valid``)."""
        return {
            (kind.value, channel.value): bool(self.cleaned_data[field_name(kind, channel)])
            for kind in self.kinds
            for channel in self.channels
        }
