from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Security audit")

    def ready(self):
        # The core and the other apps never import this app: it listens to their signals.
        from audit import receivers  # noqa: F401
