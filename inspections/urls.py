from django.urls import path

from inspections.views import office, offline, phone, report

app_name = "inspections"

urlpatterns = [
    path("my/", phone.my_task, name="my"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("offline/token/", offline.token, name="offline-token"),
    path("visits/", office.VisitLedgerView.as_view(), name="visits"),
    path("visits/new/", phone.visit_new, name="visit-new"),
    path("visits/<int:pk>/", office.visit_detail, name="visit-detail"),
    path("photos/<int:pk>/", office.visit_photo, name="visit-photo"),
    path("issues/", office.IssueLedgerView.as_view(), name="issues"),
    path("issues/<int:pk>/", office.issue_detail, name="issue-detail"),
    path("issues/<int:pk>/report/", report.issue_report, name="issue-report"),
    path("issues/photos/<str:kind>/<int:pk>/", office.issue_photo, name="issue-photo"),
]
