from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("Ledgers")

    def ready(self):
        from ledgers.counters import counters_fill_after_migrate

        post_migrate.connect(counters_fill_after_migrate, sender=self)
