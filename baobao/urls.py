from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from baobao import health, views

admin.site.site_header = "包保督导管理系统"
admin.site.site_title = "包保督导管理系统"

# The apps' pages are wired by name (an include string is not an import): the core imports no app.

urlpatterns = [
    path("", include("ledgers.home_urls")),
    path("favicon.ico", views.favicon),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("entities/", include("entities.urls")),
    path("cadres/", include("cadres.urls")),
    path("holdings/", include("cadres.holding_urls")),
    path("inspections/", include("inspections.urls")),
    path("enterprise/", include("enterprises.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("notifications/", include("baobao.notification_urls")),
    path("dashboard/", include("ledgers.dashboard_urls")),
    path("p/", include("public.urls")),
    path("", include("cadres.overview_urls")),
    path("admin/", admin.site.urls),
]
