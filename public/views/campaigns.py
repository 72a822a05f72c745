"""你点我查: the public campaign page (search, nominate, vote, results) and the office's side
(open a campaign, the ranking, choose what is checked, publish the results)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baobao.clientip import client_ip_address
from baobao.scoping import require_register_writer
from cadres.models import Cadre, CadreStatus
from entities.models import Entity
from public import forms
from public.abuse import captcha_new, vote_allowed, voter_key
from public.models import Campaign, Nomination
from public.selectors import (
    access_campaign,
    campaign_entities,
    nominations_ranked,
    public_campaign,
    require_public_desk,
)
from public.services import campaigns as services


def _public_page(request, campaign, *, nominate_form=None, status=200, refusal=""):
    query = request.GET.get("q", "")[:50]
    response = render(
        request,
        "public/campaign.html",
        {
            "campaign": campaign,
            "open": campaign.is_open_on(request.today),
            "nominations": nominations_ranked(campaign)[:50],
            "found": campaign_entities(campaign=campaign, query=query),
            "q": query,
            "nominate_form": nominate_form
            or forms.NominateForm(initial={"captcha_token": captcha_new()}),
            "refusal": refusal,
        },
        status=status,
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def campaign_page(request, pk):
    return _public_page(request, public_campaign(pk))


@require_POST
def campaign_nominate(request, pk):
    campaign = public_campaign(pk)
    form = forms.NominateForm(request.POST)
    ip = client_ip_address(request)
    if not form.is_valid():
        data = request.POST.copy()
        data["captcha_token"] = captcha_new()
        return _public_page(request, campaign, nominate_form=forms.NominateForm(data), status=400)
    if not vote_allowed(client_ip=ip, now=request.now):
        return _public_page(request, campaign, status=429, refusal=_("Too many votes; try later."))
    entity = get_object_or_404(Entity, pk=form.cleaned_data["entity"])
    try:
        services.nomination_add(
            campaign=campaign,
            entity=entity,
            voter=voter_key(ip),
            reason=form.cleaned_data["reason"],
            today=request.today,
        )
    except ValidationError as exc:
        return _public_page(request, campaign, status=400, refusal=" ".join(exc.messages))
    messages.success(request, _("Thank you: %(name)s is nominated.") % {"name": entity.name})
    return redirect("public:campaign", pk=campaign.pk)


@require_POST
def campaign_vote(request, pk):
    campaign = public_campaign(pk)
    form = forms.VoteForm(request.POST)
    ip = client_ip_address(request)
    if not form.is_valid() or form.cleaned_data["website"]:
        return _public_page(request, campaign, status=400, refusal=_("The vote was not accepted."))
    if not vote_allowed(client_ip=ip, now=request.now):
        return _public_page(request, campaign, status=429, refusal=_("Too many votes; try later."))
    nomination = get_object_or_404(
        Nomination, campaign=campaign, pk=form.cleaned_data["nomination"]
    )
    try:
        counted = services.vote_cast(
            nomination=nomination, voter=voter_key(ip), today=request.today
        )
    except ValidationError as exc:
        return _public_page(request, campaign, status=400, refusal=" ".join(exc.messages))
    if counted:
        messages.success(request, _("Your vote is counted."))
    else:
        messages.info(request, _("You already voted for this business today."))
    return redirect("public:campaign", pk=campaign.pk)


@login_required
def campaign_list(request):
    require_public_desk(request.user)
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST":
        require_register_writer(request.user)
        if form.is_valid():
            try:
                campaign = services.campaign_open(
                    user=request.user, division=request.user.division, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("public:campaign-manage", pk=campaign.pk)
    campaigns = Campaign.objects.for_user(request.user).select_related("division")[:100]
    return render(request, "public/campaign_list.html", {"campaigns": campaigns, "form": form})


def _team_cadres(user, campaign):
    """Cadres of the campaign's area the office may send (a named team's leader)."""
    return (
        Cadre.objects.for_user(user)
        .filter(division__path__startswith=campaign.division_path[:6], status=CadreStatus.ACTIVE)
        .order_by("name")
    )


@login_required
def campaign_manage(request, pk):
    campaign = access_campaign(request.user, pk)
    return render(
        request,
        "public/campaign_manage.html",
        {
            "campaign": campaign,
            "nominations": nominations_ranked(campaign)[:200],
            "choose_form": forms.ChooseForm(cadres=_team_cadres(request.user, campaign)),
            "publish_form": forms.PublishForm(initial={"results": campaign.results}),
            "can_write": request.user.can_write_registers,
        },
    )


@login_required
@require_POST
def campaign_choose(request, pk):
    campaign = access_campaign(request.user, pk)
    form = forms.ChooseForm(request.POST, cadres=_team_cadres(request.user, campaign))
    ids = [int(i) for i in request.POST.getlist("nomination") if i.isdigit()]
    chosen = list(campaign.nominations.filter(pk__in=ids).select_related("entity"))
    try:
        if not form.is_valid() or not chosen:
            raise ValidationError(_("Choose businesses and a deadline."))
        tasks = services.nominations_choose(
            campaign=campaign,
            user=request.user,
            nominations=chosen,
            deadline=form.cleaned_data["deadline"],
            today=request.today,
            team=form.cleaned_data["team"],
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("%(n)d check tasks assigned.") % {"n": len(tasks)})
    return redirect("public:campaign-manage", pk=campaign.pk)


@login_required
@require_POST
def campaign_publish(request, pk):
    campaign = access_campaign(request.user, pk)
    form = forms.PublishForm(request.POST)
    if form.is_valid():
        services.campaign_publish(
            campaign=campaign, user=request.user, results=form.cleaned_data["results"]
        )
        messages.success(request, _("Results published."))
    return redirect("public:campaign-manage", pk=campaign.pk)
