from django.urls import path

from cadres.views import overview

app_name = "overview"
urlpatterns = [
    path("coverage/", overview.CoverageView.as_view(), name="coverage"),
    path("handoffs/", overview.HandoffQueueView.as_view(), name="handoffs"),
    path("balance/", overview.BalanceView.as_view(), name="balance"),
    path("adjustments/", overview.AdjustmentLedgerView.as_view(), name="adjustments"),
]
