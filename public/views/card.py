"""The public card the 公示牌's QR opens (no login), the QR itself, and the printed board: all
three show only what the office published."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers

from entities.models import Entity
from entities.selectors import access_entity
from public.selectors import campaigns_open, public_card, public_entity

# Anonymous cards may sit in a proxy or the phone's cache this long.
CARD_MAX_AGE = 300


def card_url(request, entity) -> str:
    """The absolute address the board's QR code carries: the public card."""
    return request.build_absolute_uri(reverse("public:card", args=[entity.pk]))


def _own_work_link(user, entity) -> str:
    """A logged-in user's way into their own work on the business (none outside their scope)."""
    if not user.is_authenticated or not Entity.objects.for_user(user).filter(pk=entity.pk).exists():
        return ""
    if user.acting_cadre_id:
        return f"{reverse('inspections:visit-new')}?entity={entity.pk}"
    return reverse("entities:detail", args=[entity.pk])


def entity_card(request, pk):
    """The business's public card: who supervises it and whether they did, nothing internal."""
    entity = public_entity(pk)
    context = public_card(entity=entity, today=request.today)
    context["own_work"] = _own_work_link(request.user, entity)
    context["campaigns"] = list(campaigns_open(today=request.today, division=entity.division)[:3])
    response = render(request, "public/card.html", context)
    # The same URL shows a logged-in user their link: only anonymous copies may be shared.
    patch_vary_headers(response, ["Cookie"])
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True, max_age=0)
    else:
        patch_cache_control(response, public=True, max_age=CARD_MAX_AGE)
    return response


def card_qr(request, pk):
    """The QR code of the public card as SVG: public, like the board it is printed on."""
    entity = public_entity(pk)
    code = segno.make(card_url(request, entity), error="m", micro=False)
    response = HttpResponse(
        code.svg_inline(scale=8, border=2, title=entity.name, omitsize=False),
        content_type="image/svg+xml",
    )
    patch_cache_control(response, public=True, max_age=3600)
    return response


@login_required
def entity_board(request, pk):
    """A printable A4 board for the business's wall: the published fields and the card's QR."""
    entity = access_entity(request.user, pk)
    context = public_card(entity=entity, today=request.today)
    context["card_url"] = card_url(request, entity)
    return render(request, "public/board.html", context)
