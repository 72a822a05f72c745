from django.urls import path

from cadres import views

app_name = "cadres"
urlpatterns = [
    path("<int:pk>/commitment/", views.commitment, name="commitment"),
    path("<int:pk>/commitment/scan/", views.commitment_scan, name="commitment-scan"),
]
