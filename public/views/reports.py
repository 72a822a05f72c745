"""随手拍 for the public: the report form (from a card or for a whole county), the receipt, the
follow page by receipt code, and the captcha's picture."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from baobao.clientip import client_ip_address
from baobao.models import Division, Level
from public.abuse import captcha_new, captcha_png, is_blocked, submission_allowed
from public.forms import FollowForm, ReportForm
from public.selectors import public_entity, reporter_events, request_for_reporter
from public.services.requests import request_submit

REFUSED = 429


def _render_form(request, form, *, entity=None, division=None, status=200, refusal=""):
    data = form.data.copy() if form.is_bound else None
    if data is not None:
        # A fresh captcha each time the form comes back; what was typed stays.
        data["captcha_token"] = captcha_new()
        data["captcha"] = ""
        form = ReportForm(data)
        form.is_valid()
    else:
        form = ReportForm(initial={"captcha_token": captcha_new()})
    response = render(
        request,
        "public/report.html",
        {
            "form": form,
            "entity": entity,
            "division": division,
            "refusal": refusal,
            "captcha_token": form["captcha_token"].value(),
        },
        status=status,
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_http_methods(["GET", "POST"])
def report_entity(request, pk):
    return _report(request, entity=public_entity(pk))


@require_http_methods(["GET", "POST"])
def report_area(request, code):
    division = get_object_or_404(Division, code=code, level=Level.COUNTY)
    return _report(request, division=division)


def _report(request, *, entity=None, division=None):
    if request.method != "POST":
        return _render_form(request, ReportForm(), entity=entity, division=division)
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, form, entity=entity, division=division, status=400)
    ip = client_ip_address(request)
    data = form.cleaned_data
    area_path = (entity.division if entity else division).path
    if is_blocked(division_path=area_path, client_ip=ip, phone=data["phone"]):
        refusal = _("This address or phone may not send reports. Call 12315 if it is urgent.")
        return _render_form(
            request, form, entity=entity, division=division, status=403, refusal=refusal
        )
    if not submission_allowed(
        client_ip=ip, entity_id=entity.pk if entity else None, now=request.now
    ):
        refusal = _(
            "Too many reports in the last hour from here or about this business. Your earlier "
            "reports are kept; please try again later, or call 12315 if it is urgent."
        )
        return _render_form(
            request, form, entity=entity, division=division, status=REFUSED, refusal=refusal
        )
    try:
        public_request = request_submit(
            category=data["category"],
            text=data["text"],
            entity=entity,
            division=division,
            photos=data["photos"],
            place=data["place"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            phone=data["phone"],
            client_ip=ip,
            today=request.today,
        )
    except ValidationError as exc:
        form.add_error("photos", exc)
        return _render_form(request, form, entity=entity, division=division, status=400)
    return redirect("public:follow", code=public_request.code)


def follow(request, code):
    """The reporter's page: status, the public steps of the history, the approved reply."""
    public_request = request_for_reporter(code)
    response = render(
        request,
        "public/follow.html",
        {"req": public_request, "events": reporter_events(public_request)},
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def follow_lookup(request):
    form = FollowForm(request.GET or None)
    if form.is_valid():
        return redirect("public:follow", code=form.cleaned_data["code"].strip().upper())
    return render(request, "public/follow_lookup.html", {"form": form})


def captcha(request, token):
    png = captcha_png(token)
    if png is None:
        raise Http404
    response = HttpResponse(png, content_type="image/png")
    patch_cache_control(response, private=True, max_age=600)
    return response
