"""Backup and restore of a whole Jaga (issue 13 point 10): ``jaga.backup.services``."""
