from django.urls import path

from cadres.views import commitment

app_name = "cadres"
urlpatterns = [
    path("<int:pk>/commitment/", commitment.commitment, name="commitment"),
    path("<int:pk>/commitment/scan/", commitment.commitment_scan, name="commitment-scan"),
]
