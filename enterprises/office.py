"""The office's pages of the business side: accounts for a business's people (one at a time from
the business page, or many from a spreadsheet), and the completion rates of the three records.
A business user is 404 here (the fence lets them into this namespace for their own pages)."""

import datetime
import io

import openpyxl
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from baobao.forms import add_service_error
from baobao.scoping import require_register_writer
from baobao.selectors import access_division, root_division
from enterprises.forms import AccountForm, ImportForm
from enterprises.models import Position
from enterprises.rates import GROUPINGS, completion_rates
from enterprises.services import business_account_create
from entities.models import Entity
from entities.selectors import access_entity

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The import's columns, in order, each with what it means (the template's second sheet).
COLUMNS = (
    ("统一社会信用代码", "企业的18位统一社会信用代码，须是本辖区已登记的包保主体"),
    ("姓名", "账号使用人的姓名"),
    ("用户名", "登录用的用户名：3位以上字母、数字或 _.@+-；同一人在同一业主的多家企业用同一用户名"),
    ("手机", "手机号，可空"),
    ("岗位", "主要负责人 / 食品安全总监 / 食品安全员"),
)
POSITIONS = {
    "主要负责人": Position.HEAD,
    "食品安全总监": Position.DIRECTOR,
    "食品安全员": Position.OFFICER,
}


def _require_office(user) -> None:
    if user.is_business:
        raise Http404
    require_register_writer(user)


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request, pk):
    _require_office(request.user)
    entity = access_entity(request.user, pk)
    form = AccountForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            user, password = business_account_create(
                entity=entity, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            created = {"user": user, "password": password}
            form = AccountForm()
    return render(
        request,
        "enterprises/account_new.html",
        {"entity": entity, "form": form, "created": created},
    )


def _template() -> HttpResponse:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业账号"
    sheet.append([name for name, _help in COLUMNS])
    for column in "ABCDE":
        sheet.column_dimensions[column].width = 24
    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for row in COLUMNS:
        notes.append(list(row))
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="business-accounts-template.xlsx"'
    return response


def _rows(upload) -> list[dict]:
    try:
        sheet = openpyxl.load_workbook(upload, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from exc
    rows = []
    for values in sheet.iter_rows(min_row=2, max_row=2001, values_only=True):
        cells = [str(v).strip() if v is not None else "" for v in (list(values) + [""] * 5)[:5]]
        if any(cells):
            rows.append(
                dict(zip(("uscc", "name", "username", "phone", "position"), cells, strict=True))
            )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def account_import(request):
    """Many accounts from a spreadsheet; the template (``?template=1``) explains every column.
    Each row is applied on its own; the page lists each account's one-time password once."""
    _require_office(request.user)
    if request.GET.get("template"):
        return _template()
    form = ImportForm(request.POST or None, request.FILES or None)
    results = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = _rows(form.cleaned_data["file"])
        except ValidationError as exc:
            add_service_error(form, exc)
            rows = []
        scope = Entity.objects.for_user(request.user)
        for number, row in enumerate(rows, start=2):
            entity = scope.filter(uscc=row["uscc"].upper()).first() if row["uscc"] else None
            try:
                if entity is None:
                    raise ValidationError(_("No business with this credit code in your area."))
                _user, password = business_account_create(
                    entity=entity,
                    by=request.user,
                    username=row["username"],
                    name=row["name"],
                    phone=row["phone"],
                    position=POSITIONS.get(row["position"], ""),
                )
            except (ValidationError, PermissionDenied) as exc:
                results.append(
                    {"row": number, **row, "error": "; ".join(getattr(exc, "messages", [str(exc)]))}
                )
            else:
                results.append({"row": number, **row, "entity": entity, "password": password})
    return render(request, "enterprises/account_import.html", {"form": form, "results": results})


def _month_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today.replace(day=1), today - datetime.timedelta(days=1)


@login_required
def rates(request):
    """Completion rates by area, type or grade; an area row drills down into that area."""
    user = request.user
    if not (user.is_office or user.is_system_admin):
        raise Http404
    division = root_division(user)
    if request.GET.get("division"):
        division = access_division(user, request.GET["division"])
    if division is None:
        raise Http404
    grouping = request.GET.get("by", "area")
    if grouping not in GROUPINGS:
        grouping = "area"
    start, end = _month_range(request.today)
    try:
        start = (
            datetime.date.fromisoformat(request.GET.get("start", ""))
            if request.GET.get("start")
            else start
        )
        end = (
            datetime.date.fromisoformat(request.GET.get("end", ""))
            if request.GET.get("end")
            else end
        )
    except ValueError:
        pass
    end = min(end, request.today)
    if (end - start).days > 366:
        start = end - datetime.timedelta(days=366)
    rows = completion_rates(user=user, division=division, grouping=grouping, start=start, end=end)
    return render(
        request,
        "enterprises/rates.html",
        {"division": division, "grouping": grouping, "rows": rows, "start": start, "end": end},
    )
