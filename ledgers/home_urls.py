"""The home page (/), without a namespace: ``reverse("home")``."""

from django.urls import path

from ledgers.views.home import home

urlpatterns = [
    path("", home, name="home"),
]
