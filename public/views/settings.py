"""The office's publication settings, block list and request figures (with drill-down)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from baobao.scoping import require_register_writer
from public.forms import BlockForm, PublicationForm
from public.models import BlockEntry, PublicationSetting
from public.selectors import block_list, request_figures


def _office(user):
    if not user.is_office or not user.division_id:
        raise PermissionDenied(_("Only an office keeps these settings."))
    require_register_writer(user)


@login_required
def publication(request):
    _office(request.user)
    setting = PublicationSetting.objects.filter(division=request.user.division).first()
    setting = setting or PublicationSetting(division=request.user.division)
    form = PublicationForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved: the cards and boards of your area show this now."))
        return redirect("public:publication")
    return render(request, "public/publication.html", {"form": form})


@login_required
def blocks(request):
    _office(request.user)
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        BlockEntry.objects.get_or_create(
            division=request.user.division,
            kind=form.cleaned_data["kind"],
            value=form.cleaned_data["value"].strip(),
            defaults={"reason": form.cleaned_data["reason"], "created_by": request.user},
        )
        messages.success(request, _("Added to the block list."))
        return redirect("public:blocks")
    entries = block_list(user=request.user)[:200]
    return render(request, "public/blocks.html", {"form": form, "entries": entries})


@login_required
def figures(request):
    if not (request.user.is_office or request.user.is_system_admin):
        raise PermissionDenied
    rows = request_figures(user=request.user, today=request.today)
    return render(request, "public/figures.html", {"rows": rows})
