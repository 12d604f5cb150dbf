"""``jaga backup FILE [--encrypt]``: write one archive with the database, the media files,
the secret key and a manifest (issue 13 point 10; README, "Backup and restore";
``jaga.backup.services.backup``). ``--encrypt`` takes the passphrase from
``JAGA_BACKUP_PASSPHRASE`` or asks for it. Prints what it wrote and exits 0, or prints the
reason and exits 1 (no archive is left behind)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jaga.backup.passphrase import PassphraseError, passphrase
from jaga.backup.services import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database, the media files and the secret key into one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive to write (a new file)")
        parser.add_argument(
            "--encrypt",
            action="store_true",
            help="encrypt with a passphrase from JAGA_BACKUP_PASSPHRASE, or asked for",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            secret = passphrase(confirm=True) if options["encrypt"] else None
            summary = backup(options["file"], secret)
        except (BackupError, PassphraseError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("backup written to %(file)s: %(vendor)s database, %(files)d media files")
            % {"file": options["file"], "vendor": summary.vendor, "files": summary.files}
            + (_(" (encrypted)") if summary.encrypted else "")
        )
