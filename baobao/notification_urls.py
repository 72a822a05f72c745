from django.urls import path

from baobao import notification_views as views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="read-all"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("deliveries/", views.delivery_log, name="deliveries"),
    path("deliveries/retry-failed/", views.deliveries_retry_failed, name="deliveries-retry-failed"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery-retry"),
]
