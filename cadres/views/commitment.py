from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from baobao.scoping import require_register_writer
from baobao.storage import stored_file_response
from baobao.uploads import content_type_for
from cadres.forms import CommitmentForm
from cadres.selectors import access_cadre
from cadres.services import cadre_update


@login_required
@require_http_methods(["GET", "POST"])
def commitment(request, pk):
    """A cadre's commitment letter (承诺书): its status for anyone in scope, the upload for the office."""
    cadre = access_cadre(request.user, pk)
    form = None
    if request.method == "POST":
        require_register_writer(request.user)
        form = CommitmentForm(request.POST, request.FILES, today=request.today)
        if form.is_valid():
            try:
                cadre_update(
                    cadre=cadre,
                    by=request.user,
                    commitment_signed_on=form.cleaned_data["signed_on"],
                    commitment_scan=form.cleaned_data["scan"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("The commitment letter of %(cadre)s is recorded.") % {"cadre": cadre}
                )
                return redirect("cadres:commitment", pk=cadre.pk)
    elif request.user.can_write_registers:
        form = CommitmentForm(
            today=request.today, initial={"signed_on": cadre.commitment_signed_on}
        )
    return render(request, "cadres/commitment.html", {"cadre": cadre, "form": form})


@login_required
def commitment_scan(request, pk):
    """The scanned letter itself, served only to users whose scope holds the cadre."""
    cadre = access_cadre(request.user, pk)
    if not cadre.commitment_scan:
        raise Http404
    return stored_file_response(
        cadre.commitment_scan, content_type=content_type_for(cadre.commitment_scan.name)
    )
