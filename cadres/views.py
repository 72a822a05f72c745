from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from baobao.uploads import content_type_for
from cadres.selectors import access_cadre


@login_required
def commitment_scan(request, pk):
    """The cadre's signed commitment letter (承诺书), only for users whose scope holds the cadre."""
    cadre = access_cadre(request.user, pk)
    if not cadre.commitment_scan:
        raise Http404
    response = FileResponse(
        cadre.commitment_scan.open("rb"), content_type=content_type_for(cadre.commitment_scan.name)
    )
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response
