"""The business's phone pages: its businesses, each one's records and rectification list, the
three record forms and the fix report. Only a business user reaches them (``_require_business``);
every object is fetched through the business side's access helpers (404 outside)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from baobao.forms import add_service_error
from enterprises.forms import (
    PROBLEM,
    DailyForm,
    DailyItemForm,
    FixReportForm,
    MonthlyForm,
    WeeklyForm,
)
from enterprises.models import RecordKind
from enterprises.policy import PolicyTable
from enterprises.selectors import (
    access_business_entity,
    access_business_issue,
    access_record,
    business_entities,
    business_issues,
    daily_items,
    recent_records,
    weekly_prefill,
)
from enterprises.services import record_submit
from inspections.fixes import issue_fix_report_unscoped
from inspections.views.offline import service_worker_response

FORMS = {
    RecordKind.DAILY: DailyForm,
    RecordKind.WEEKLY: WeeklyForm,
    RecordKind.MONTHLY: MonthlyForm,
}


def _wants_json(request) -> bool:
    """A send from the phone's offline queue (static/js/visit.js), answered in JSON."""
    return request.headers.get("X-Requested-With") == "fetch"


def _errors(*forms) -> list[dict]:
    """The forms' errors as visit.js shows them."""
    errors = []
    for form in forms:
        for name, messages_ in form.errors.items():
            field, label = "", ""
            if name != "__all__":
                field, label = form.add_prefix(name), str(form.fields[name].label or "")
            errors += [{"field": field, "label": label, "message": m} for m in messages_]
    return errors


def _done(request, target: str, message: str):
    messages.success(request, message)
    if _wants_json(request):
        return JsonResponse({"ok": True, "redirect": target})
    return redirect(target)


def _require_business(user) -> None:
    if not user.is_business:
        raise Http404


# The business's pages its service worker saves: home, each business (its issue list), the
# record forms and the fix report.
BUSINESS_PAGES = (
    r"^\/enterprise\/$",
    r"^\/enterprise\/\d+\/$",
    r"^\/enterprise\/\d+\/(daily|weekly|monthly)\/new\/$",
    r"^\/enterprise\/issues\/\d+\/fix\/$",
)


@login_required
@require_GET
@never_cache
def service_worker(request):
    """The business's worker: served from /enterprise/, so its scope covers the business pages."""
    _require_business(request.user)
    return service_worker_response(
        request,
        cached_paths=BUSINESS_PAGES,
        home_url=reverse("enterprises:home"),
        home_label=_("My businesses"),
        offline_text=_(
            "This page was not saved on this phone. Open My businesses while you have a signal "
            "to save its forms."
        ),
    )


def _saved_on_phone(request, template: str, context: dict):
    """Render a page the service worker may save: it saves it under the user named here."""
    response = render(request, template, context)
    response["X-Baobao-User"] = str(request.user.pk)
    return response


@login_required
def home(request):
    """The business user's businesses; straight to the one when there is one."""
    _require_business(request.user)
    entities = list(business_entities(user=request.user))
    if len(entities) == 1:
        return redirect("enterprises:entity", entities[0].pk)
    return _saved_on_phone(request, "enterprises/home.html", {"entities": entities})


@login_required
def entity_page(request, pk):
    _require_business(request.user)
    entity = access_business_entity(request.user, pk)
    kinds = PolicyTable().kinds(entity.business_type, entity.grade, entity.division_path)
    return _saved_on_phone(
        request,
        "enterprises/entity.html",
        {
            "entity": entity,
            "kinds": [k for k in RecordKind if k in kinds],
            "records": recent_records(entity=entity),
            "issues": business_issues(entity=entity),
            "today": request.today,
        },
    )


def _daily_rows(entity, data=None, files=None):
    return [
        DailyItemForm(data, files, prefix=f"item-{i}", text=text)
        for i, text in enumerate(daily_items(entity=entity))
    ]


def _content(kind, form, rows) -> tuple[dict, dict]:
    data = form.cleaned_data
    if kind == RecordKind.DAILY:
        items = [
            {
                "text": row.text,
                "ok": row.cleaned_data["result"] != PROBLEM,
                "note": row.cleaned_data["note"],
                "fixed": row.cleaned_data["fixed"],
            }
            for row in rows
        ]
        photos = {i: row.cleaned_data["photo"] for i, row in enumerate(rows)}
        return {"items": items, "actions": data["actions"]}, photos
    skip = {"day", "idempotency_key", "photos"}
    content = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    return {k: v for k, v in content.items() if k not in skip}, {}


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request, pk, kind):
    """A daily check, weekly report or monthly minutes (``?corrects=`` for a correction)."""
    _require_business(request.user)
    entity = access_business_entity(request.user, pk)
    if kind not in RecordKind.values:
        raise Http404
    corrects = None
    if request.GET.get("corrects"):
        corrects = access_record(request.user, request.GET["corrects"])
        if corrects.entity_id != entity.pk or corrects.kind != kind:
            raise Http404
    form_class = FORMS[kind]
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    initial = {}
    if kind == RecordKind.WEEKLY and data is None:
        prefill = weekly_prefill(entity=entity, day=request.today)
        initial = {k: prefill[k] for k in ("problems", "open_problems", "found")}
    if corrects is not None and data is None:
        initial.update({k: v for k, v in corrects.content.items() if k != "items"})
        initial["day"] = corrects.period_start
    form = form_class(data, files, today=request.today, initial=initial)
    rows = _daily_rows(entity, data, files) if kind == RecordKind.DAILY else []
    valid = [form.is_valid(), *(row.is_valid() for row in rows)] if data is not None else []
    if valid and all(valid):
        content, item_photos = _content(kind, form, rows)
        try:
            record_submit(
                user=request.user,
                entity=entity,
                kind=kind,
                day=form.cleaned_data["day"],
                today=request.today,
                content=content,
                photos=form.cleaned_data.get("photos") or [],
                item_photos=item_photos,
                corrects=corrects,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return _done(request, reverse("enterprises:entity", args=[entity.pk]), _("Submitted."))
    if data is not None and _wants_json(request):
        return JsonResponse({"ok": False, "errors": _errors(form, *rows)}, status=400)
    # The blank form is a page to save on the phone; a form sent back with errors is not.
    show = render if data is not None else _saved_on_phone
    return show(
        request,
        "enterprises/record_form.html",
        {
            "entity": entity,
            "kind": RecordKind(kind),
            "form": form,
            "rows": rows,
            "corrects": corrects,
        },
    )


@login_required
def record_detail(request, pk):
    _require_business(request.user)
    record = access_record(request.user, pk)
    return render(
        request,
        "enterprises/record_detail.html",
        {"record": record, "entity": record.entity, "photos": record.photos.all()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def issue_fix(request, pk):
    """The business reports the fix of an issue raised on it: text and photos."""
    _require_business(request.user)
    issue = access_business_issue(request.user, pk)
    form = FixReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue_fix_report_unscoped(
                issue=issue,
                user=request.user,
                note=form.cleaned_data["note"],
                photos=form.cleaned_data["photos"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            target = reverse("enterprises:entity", args=[issue.entity_id])
            return _done(request, target, _("The fix is reported; the cadre will verify it."))
    if request.method == "POST" and _wants_json(request):
        return JsonResponse({"ok": False, "errors": _errors(form)}, status=400)
    show = render if request.method == "POST" else _saved_on_phone
    return show(
        request,
        "enterprises/issue_fix.html",
        {"issue": issue, "entity": issue.entity, "form": form, "events": issue.events.all()},
    )
