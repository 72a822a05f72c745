"""The public side's addresses: ``/p/…`` for the public (no login), ``/p/office/…`` for the
office and the cadres."""

from django.urls import path

from public.views import campaigns, card, office, reports, settings

app_name = "public"
urlpatterns = [
    # The public, no login.
    path("<int:pk>/", card.entity_card, name="card"),
    path("<int:pk>/qr.svg", card.card_qr, name="qr"),
    path("<int:pk>/report/", reports.report_entity, name="report"),
    path("area/<str:code>/report/", reports.report_area, name="report-area"),
    path("r/", reports.follow_lookup, name="follow-lookup"),
    path("r/<str:code>/", reports.follow, name="follow"),
    path("captcha/<str:token>.png", reports.captcha, name="captcha"),
    path("campaigns/<int:pk>/", campaigns.campaign_page, name="campaign"),
    path("campaigns/<int:pk>/nominate/", campaigns.campaign_nominate, name="nominate"),
    path("campaigns/<int:pk>/vote/", campaigns.campaign_vote, name="vote"),
    # The office and the cadres.
    path("office/board/<int:pk>/", card.entity_board, name="board"),
    path("office/requests/", office.request_list, name="requests"),
    path("office/requests/<int:pk>/", office.request_detail, name="request-detail"),
    path("office/requests/<int:pk>/assign/", office.request_assign, name="request-assign"),
    path("office/requests/<int:pk>/merge/", office.request_merge, name="request-merge"),
    path("office/requests/<int:pk>/reject/", office.request_reject, name="request-reject"),
    path("office/requests/<int:pk>/handle/", office.request_handle, name="request-handle"),
    path("office/requests/<int:pk>/reply/", office.request_reply, name="request-reply"),
    path(
        "office/requests/<int:pk>/photos/<int:photo_pk>/",
        office.request_photo,
        name="request-photo",
    ),
    path("office/campaigns/", campaigns.campaign_list, name="campaigns"),
    path("office/campaigns/<int:pk>/", campaigns.campaign_manage, name="campaign-manage"),
    path("office/campaigns/<int:pk>/choose/", campaigns.campaign_choose, name="campaign-choose"),
    path("office/campaigns/<int:pk>/publish/", campaigns.campaign_publish, name="campaign-publish"),
    path("office/publication/", settings.publication, name="publication"),
    path("office/blocks/", settings.blocks, name="blocks"),
    path("office/figures/", settings.figures, name="figures"),
]
