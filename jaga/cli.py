"""The ``jaga`` console command: Django's management commands with Jaga's settings.

``jaga migrate``, ``jaga createsuperuser``, ``jaga demo``, ``jaga run``… A configuration
error (a missing or wrong environment variable) prints one line naming the variable and
exits with status 2.
"""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``jaga`` script; ``argv`` defaults to ``sys.argv``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaga.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "jaga"
    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - import the settings now, to report errors clearly
    except ImproperlyConfigured as exc:
        print(f"jaga: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
