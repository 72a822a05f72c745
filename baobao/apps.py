from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BaobaoConfig(AppConfig):
    name = "baobao"
    verbose_name = _("Core")
