"""WSGI entry point (gunicorn jaga.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaga.settings")
application = get_wsgi_application()
