"""Production settings (``DJANGO_DEBUG=false``) for the load run, with the collected static files
in the run's own temporary directory instead of the checkout's ``staticfiles/``."""

import os

from baobao.settings import *  # noqa: F403

STATIC_ROOT = os.environ["LOAD_STATIC_ROOT"]
