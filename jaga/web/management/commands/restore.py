"""``jaga restore FILE``: bring a backup of ``jaga backup`` back into an empty data
directory and an empty database (issue 13 point 10; README, "Backup and restore";
``jaga.backup.services.restore``). An encrypted backup's passphrase comes from
``JAGA_BACKUP_PASSPHRASE`` or is asked for. Every check (passphrase, checksums, database
kind, migrations, empty targets) passes before anything is written; otherwise it prints the
reason and exits 1 having written nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jaga.backup.crypto import is_encrypted
from jaga.backup.passphrase import PassphraseError, passphrase
from jaga.backup.services import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup into an empty data directory and an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive written by jaga backup")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["file"]
        try:
            secret = passphrase(confirm=False) if is_encrypted(source) else None
            summary = restore(source, secret)
        except OSError as exc:
            raise CommandError(
                _("cannot read %(file)s: %(error)s") % {"file": source, "error": exc.strerror}
            ) from None
        except (BackupError, PassphraseError) as exc:
            raise CommandError(str(exc)) from None
        for note in summary.notes:
            self.stderr.write(note)
        self.stdout.write(
            _("restored %(file)s: %(vendor)s database, %(files)d media files; run jaga migrate")
            % {"file": source, "vendor": summary.vendor, "files": summary.files}
        )
