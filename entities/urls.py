from django.urls import path

from entities.views import board, entities, zones

app_name = "entities"
urlpatterns = [
    path("", entities.EntityListView.as_view(), name="list"),
    path("new/", entities.EntityFormView.as_view(), name="create"),
    path("zones/", zones.ZoneListView.as_view(), name="zone-list"),
    path("zones/new/", zones.ZoneFormView.as_view(), name="zone-create"),
    path("zones/<int:pk>/", zones.ZoneDetailView.as_view(), name="zone-detail"),
    path("zones/<int:pk>/edit/", zones.ZoneFormView.as_view(), name="zone-edit"),
    path("<int:pk>/", entities.EntityDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", entities.EntityFormView.as_view(), name="edit"),
    path("<int:pk>/regrade/", entities.EntityRegradeView.as_view(), name="regrade"),
    path("<int:pk>/status/", entities.EntityStatusView.as_view(), name="status"),
    path("<int:pk>/board/", board.entity_board, name="board"),
    path("<int:pk>/qr.svg", board.entity_qr, name="qr"),
]
