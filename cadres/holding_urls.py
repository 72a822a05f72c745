"""Assignment work, mounted at /holdings/. Actions that start from a business, zone or cadre
take its id in the query string: new/?entity=<id>, zones/new/?zone=<id>, bulk/?cadre=<id>."""

from django.urls import path

from cadres.views import holdings

app_name = "holdings"
urlpatterns = [
    path("new/", holdings.AssignView.as_view(), name="assign"),
    path("<int:pk>/transfer/", holdings.TransferView.as_view(), name="transfer"),
    path("<int:pk>/end/", holdings.EndView.as_view(), name="end"),
    path("bulk/", holdings.BulkTransferView.as_view(), name="bulk-transfer"),
    path("zones/new/", holdings.ZoneAssignView.as_view(), name="zone-assign"),
    path("zones/<int:pk>/transfer/", holdings.ZoneTransferView.as_view(), name="zone-transfer"),
    path("zones/<int:pk>/end/", holdings.EndView.as_view(zone=True), name="zone-end"),
]
