"""``python -m jaga`` is the ``jaga`` command."""

from jaga.cli import main

main()
