from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("visits/", views.VisitLedgerView.as_view(), name="visits"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("photos/<int:pk>/", views.visit_photo, name="visit-photo"),
    path("issues/", views.IssueLedgerView.as_view(), name="issues"),
    path("issues/<int:pk>/", views.issue_detail, name="issue-detail"),
    path("issues/photos/<str:kind>/<int:pk>/", views.issue_photo, name="issue-photo"),
]
