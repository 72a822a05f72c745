from django.urls import path

from cadres.views import commitment, registers

app_name = "cadres"
urlpatterns = [
    path("", registers.CadreListView.as_view(), name="list"),
    path("new/", registers.CadreCreateView.as_view(), name="create"),
    path("<int:pk>/", registers.CadreDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", registers.CadreEditView.as_view(), name="edit"),
    path("<int:pk>/leave/", registers.CadreLeaveView.as_view(), name="leave"),
    path("<int:pk>/aides/new/", registers.AideAddView.as_view(), name="aide-add"),
    path("aides/<int:pk>/remove/", registers.AideRemoveView.as_view(), name="aide-remove"),
    path("<int:pk>/commitment/", commitment.commitment, name="commitment"),
    path("<int:pk>/commitment/scan/", commitment.commitment_scan, name="commitment-scan"),
]
