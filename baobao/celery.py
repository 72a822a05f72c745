"""The Celery app: Redis broker from REDIS_URL, JSON only, configured from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baobao.settings")

app = Celery("baobao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
