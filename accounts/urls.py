from django.urls import path

from accounts import otp_views, security_views, views

app_name = "accounts"

urlpatterns = [
    path("password/", views.password_change_view, name="password-change"),
    path("session/", views.session_status, name="session"),
    path("users/", views.user_list, name="users"),
    path("users/<int:pk>/reset/", views.user_reset, name="user-reset"),
    path("2fa/", otp_views.otp_setup, name="otp-setup"),
    path("2fa/verify/", otp_views.otp_verify, name="otp-verify"),
    path("2fa/sms/", otp_views.otp_sms, name="otp-sms"),
    path("security/", security_views.security_home, name="security"),
    path("security/unlock/", security_views.unlock, name="unlock"),
    path("security/otp-reset/", security_views.otp_reset, name="otp-reset"),
]
