"""Where a backup's passphrase comes from (issue 13 point 10): the environment variable
``JAGA_BACKUP_PASSPHRASE``, else a prompt on the terminal; never a command-line argument,
which every user of the machine can read in ``ps``."""

from __future__ import annotations

import getpass
import os
import sys

from django.utils.translation import gettext as _

ENV = "JAGA_BACKUP_PASSPHRASE"
#: The shortest passphrase a new backup accepts, in characters.
MIN_LENGTH = 12


class PassphraseError(Exception):
    """No passphrase can be had, or the one given is refused."""


def passphrase(*, confirm: bool) -> str:
    """The passphrase from ``JAGA_BACKUP_PASSPHRASE``, else asked on the terminal (twice
    when ``confirm``, for a new backup, which also needs ``MIN_LENGTH`` characters).
    Raises ``PassphraseError`` without a terminal to ask on, or for a refused one."""
    value = os.environ.get(ENV)
    if value is None:
        if not sys.stdin.isatty():
            raise PassphraseError(
                _("set %(env)s or run on a terminal to type the passphrase") % {"env": ENV}
            )
        value = getpass.getpass(_("Backup passphrase: "))
        if confirm and getpass.getpass(_("Again: ")) != value:
            raise PassphraseError(_("the two passphrases differ"))
    if confirm and len(value) < MIN_LENGTH:
        raise PassphraseError(
            _("the passphrase needs at least %(count)d characters") % {"count": MIN_LENGTH}
        )
    if not value:
        raise PassphraseError(_("the passphrase is empty"))
    return value
