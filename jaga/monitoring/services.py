"""Every write to the monitor's agents: create an agent with its token, rotate the token;
and the lookup of the agent a token belongs to (``jaga agent``; docs/monitoring.md,
"Remote agents").

A token is ``secrets.token_urlsafe(32)`` (43 characters, 256 random bits). Only its SHA-256
(lowercase hex) is stored, in ``Agent.token_sha256``; the plain token is returned once, to
be given to the agent. Each write is one transaction together with its audit event
(``jaga.audit.services.record``): ``monitor.agent_created`` and
``monitor.agent_token_rotated``, neither holding the token or its hash.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.monitoring.models import Agent
from jaga.org.models import User
from jaga.tenancy.models import Agency

#: The longest token ``agent_for_token`` looks up (ours are 43 characters).
MAX_TOKEN_LENGTH = 256
#: The longest agent name (``Agent.name``).
MAX_NAME_LENGTH = 100


def hash_token(token: str) -> str:
    """The SHA-256 of ``token``'s UTF-8 bytes, as 64 lowercase hex digits."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def create_agent(agency: Agency, name: str, *, by: User | None) -> tuple[Agent, str]:
    """Create the agent ``name`` (trimmed; 1..100 characters, unique in ``agency``) with a
    new token, audited as done by ``by`` (None: the system). Returns the saved agent and the
    plain token, which is not stored anywhere: show it once.

    Raises ``ValidationError`` ({"name": message}) for an empty, too long or taken name.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the agent a name.")})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            {"name": _("The name is longer than %(max)d characters.") % {"max": MAX_NAME_LENGTH}}
        )
    token = new_token()
    with transaction.atomic():
        if Agent.objects.filter(agency=agency, name=name).exists():
            raise ValidationError({"name": _("This agency already has an agent of that name.")})
        agent = Agent.objects.create(agency=agency, name=name, token_sha256=hash_token(token))
        record(
            agency=agency,
            actor=by,
            action="monitor.agent_created",
            obj=agent,
            after={"name": agent.name, "is_active": agent.is_active},
        )
    return agent, token


def rotate_token(agent: Agent, by: User | None) -> str:
    """Give ``agent`` a new token, audited as done by ``by``; the old token stops working at
    once. Returns the plain new token (show it once)."""
    token = new_token()
    with transaction.atomic():
        Agent.objects.filter(pk=agent.pk).update(token_sha256=hash_token(token))
        agent.token_sha256 = hash_token(token)
        record(
            agency=agent.agency,
            actor=by,
            action="monitor.agent_token_rotated",
            obj=agent,
            after={"name": agent.name},
        )
    return token


def agent_for_token(token: str) -> Agent | None:
    """The active agent of an active agency whose token is ``token`` (its agency loaded), or
    None: for an unknown token, an empty one or one longer than ``MAX_TOKEN_LENGTH``.

    The lookup is by the token's hash, so timing tells an attacker nothing about a token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        Agent.objects.select_related("agency")
        .filter(token_sha256=hash_token(token), is_active=True, agency__is_active=True)
        .first()
    )
