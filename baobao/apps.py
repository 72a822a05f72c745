from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BaobaoConfig(AppConfig):
    name = "baobao"
    verbose_name = _("Core")

    def ready(self):
        # The dead man's switch registers its readiness checks (beat, reminders).
        from baobao import deadman  # noqa: F401
