"""The business's information board (包保公示牌): who supervises it, and a QR code that opens
its visit form on a cadre's phone."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control

from entities.selectors import access_entity, entity_current_holding


def visit_form_url(request, entity) -> str:
    """The absolute address the board's QR code carries: the business's visit form."""
    return request.build_absolute_uri(f"{reverse('inspections:visit-new')}?entity={entity.pk}")


@login_required
def entity_board(request, pk):
    """A printable A4 board for the business's wall."""
    entity = access_entity(request.user, pk)
    holding = entity_current_holding(user=request.user, entity=entity)
    return render(
        request,
        "entities/entity_board.html",
        {
            "entity": entity,
            "holding": holding,
            "aides": list(holding.cadre.aides.filter(is_active=True)) if holding else [],
            "visit_url": visit_form_url(request, entity),
        },
    )


@login_required
@cache_control(private=True, max_age=3600)
def entity_qr(request, pk):
    """The QR code of the business's visit form as SVG (scalable, crisp when printed)."""
    entity = access_entity(request.user, pk)
    code = segno.make(visit_form_url(request, entity), error="m", micro=False)
    return HttpResponse(
        code.svg_inline(scale=8, border=2, title=entity.name, omitsize=False),
        content_type="image/svg+xml",
    )
