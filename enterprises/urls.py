from django.urls import path

from enterprises import office, office_policy, views

app_name = "enterprises"

urlpatterns = [
    path("", views.home, name="home"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("<int:pk>/", views.entity_page, name="entity"),
    path("<int:pk>/<str:kind>/new/", views.record_new, name="record-new"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("issues/<int:pk>/fix/", views.issue_fix, name="issue-fix"),
    path("office/rates/", office.rates, name="rates"),
    path("office/policy/", office_policy.policy, name="policy"),
    path("office/policy/<int:pk>/", office_policy.policy, name="policy-area"),
    path("office/items/<int:pk>/active/", office_policy.item_active, name="item-active"),
    path("office/business/<int:pk>/accounts/new/", office.account_new, name="account-new"),
    path("office/accounts/import/", office.account_import, name="account-import"),
]
