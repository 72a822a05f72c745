from django.urls import path

from ledgers.views import dashboard, report

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="index"),
    path("report/", report.ReportView.as_view(), name="report"),
]
