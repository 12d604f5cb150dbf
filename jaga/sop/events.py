"""The SOP app's events (architecture.md, "Step effects").

- ``definition_loaded``: ``definition`` (the new current ``SopDefinition``, its ``spec``
  parsed), ``by`` (the ``User`` or None for the system), sent by
  ``jaga.sop.services.load_definition`` **inside its transaction** after the version is
  written: a receiver's writes commit or roll back with the load, and an exception it
  raises refuses the load. The service catalogue (``jaga.catalogue``) subscribes.
"""

from __future__ import annotations

from django.dispatch import Signal

definition_loaded = Signal()
