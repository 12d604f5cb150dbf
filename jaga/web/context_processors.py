"""Template context shared by every page: version, agency, navigation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from jaga import __version__


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation; ``count`` is shown as a badge when non-zero.
    ``namespace``, when set, marks the entry active on every page of that URL namespace
    (the inventory's lists and detail pages are one entry)."""

    label: str
    url: str
    active: bool
    count: int = 0
    namespace: str = ""

    @property
    def badge(self) -> str:
        """The count as the badge shows it: "99+" past ``BADGE_CAP``."""
        return f"{BADGE_CAP}+" if self.count > BADGE_CAP else str(self.count)


#: A badge counts up to this many and then shows "99+": the inbox's whole count grows with
#: the backlog (90 ms for 33,000 waiting steps at a million cases), on every page.
BADGE_CAP = 99


def _badge_count(rows: QuerySet[Any]) -> int:
    """The rows of ``rows`` counted up to ``BADGE_CAP + 1``."""
    return rows.order_by().values("pk")[: BADGE_CAP + 1].count()


def _item(url_name: str, label: str, count: int = 0, namespace: str = "") -> NavItem | None:
    try:
        url = reverse(url_name)
    except NoReverseMatch:  # an app that is not installed adds no entry
        return None
    return NavItem(label, url, False, count, namespace)


def _mark_active(items: list[NavItem], path: str, namespace: str = "") -> list[NavItem]:
    """The entry whose URL is the longest prefix of ``path`` is the active one
    (/lapor/saya/ is "My reports", not also "Report a disruption" at /lapor/); an entry
    with the current page's ``namespace`` counts as such a prefix."""
    matching = [
        item
        for item in items
        if path.startswith(item.url) or (item.namespace and item.namespace == namespace)
    ]
    best = max(matching, key=lambda item: len(item.url), default=None)
    return [dataclasses.replace(item, active=item is best) for item in items]


def navigation(request: HttpRequest) -> list[NavItem]:
    """The entries for the signed-in user's role: an OPD user finds its office's tasks
    (with their number), reports and follows their reports and finds the rounds at their
    sites (with the number of Berita Acara waiting for their acknowledgment); agency staff
    get their inbox (with the number of waiting steps), the cases and the reports; every user of an
    agency reads its inventory and its SOPs."""
    user = request.user
    if not user.is_authenticated:
        return []
    items: list[NavItem | None] = []
    if getattr(user, "opd_id", None) is not None:
        from jaga.maintenance.permissions import acknowledgments_for
        from jaga.workflow.permissions import inbox

        # The OPD's rounds page has counted already (request.acknowledgment_count); others
        # count here: one COUNT of the visits waiting for the OPD's acknowledgment.
        to_acknowledge = getattr(request, "acknowledgment_count", None)
        if to_acknowledge is None:
            to_acknowledge = acknowledgments_for(user).count()
        # The OPD's tasks (issue 15 point 5): its steps (acknowledgments, forms) waiting.
        tasks = getattr(request, "inbox_count", None)
        if tasks is None:
            tasks = _badge_count(inbox(user))
        items += [
            _item("workflow:inbox", _("My tasks"), tasks),
            _item("incidents:report", _("Report a disruption")),
            _item("incidents:mine", _("My reports")),
            # The service catalogue (issue 17): other services than the disruption report.
            _item("catalogue:catalogue", _("Services"), namespace="catalogue"),
            _item("maintenance:opd_rounds", _("Maintenance"), to_acknowledge),
        ]
    else:
        from jaga.maintenance.permissions import may_see_plans
        from jaga.workflow.permissions import inbox

        # The inbox page has counted already (request.inbox_count); others count here.
        waiting = getattr(request, "inbox_count", None)
        if waiting is None:
            waiting = _badge_count(inbox(user)) if getattr(user, "agency_id", None) else 0
        items += [
            _item("workflow:inbox", _("My tasks"), waiting),
            _item("workflow:cases", _("Cases")),
        ]
        if getattr(user, "agency_id", None) is not None:
            # Requests for the Diskominfo's services, and the help desk's intake (issue 17).
            items.append(_item("catalogue:catalogue", _("Services"), namespace="catalogue"))
        if may_see_plans(user):  # the Diskominfo side only: a platform administrator gets 403
            items.append(_item("maintenance:plans", _("Maintenance"), namespace="maintenance"))
        if getattr(user, "agency_id", None) is not None:
            # Mutu Baku and the reports (issue 16): each reads what their scope allows.
            items.append(_item("reports:index", _("Reports"), namespace="reports"))
    if getattr(user, "agency_id", None) is not None:
        # Everyone of an agency: an OPD user sees their own OPD's part (inventory.permissions).
        items.append(_item("inventory:devices", _("Inventory"), namespace="inventory"))
        items.append(_item("monitoring:overview", _("Monitor"), namespace="monitoring"))
        items.append(_item("sop:sops", _("SOP")))
        if getattr(user, "is_agency_admin", False):  # the SOP builder (issue 17 point 4)
            items.append(_item("sop:builder", _("SOP builder")))
    if getattr(user, "is_agency_admin", False):
        # The new agency's setup checklist (issue 17 point 5): its administrators only.
        items.append(_item("org:setup", _("Setup"), namespace="org"))
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match is not None else ""
    return _mark_active([item for item in items if item is not None], request.path, namespace)


def jaga(request: HttpRequest) -> dict[str, Any]:
    """``jaga_version``, ``current_agency`` (the user's agency or None), ``nav_items`` (a
    lazy list, computed when a template reads it) and
    ``unread_notifications`` (the bell's count; one indexed COUNT for a signed-in user)."""
    from jaga.notifications.services import unread_count
    from jaga.org.models import User

    user = getattr(request, "user", None)
    signed_in = isinstance(user, User) and user.is_authenticated
    return {
        "jaga_version": __version__,
        "current_agency": getattr(user, "agency", None),
        # Lazy: only pages that draw the navigation count its badges (the bell's fragment,
        # polled every 20 s, does not).
        "nav_items": SimpleLazyObject(lambda: navigation(request)) if user is not None else [],
        "unread_notifications": unread_count(user) if isinstance(user, User) and signed_in else 0,
    }
