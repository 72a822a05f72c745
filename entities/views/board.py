"""The business's information board (包保公示牌) and its QR code. The board shows only what the
office publishes, so the public side (``public``, above this app) draws it; these addresses stay
for printed links and bookmarks. The QR opens the business's public card, without login."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import cache_control

from entities.selectors import access_entity


def card_url(request, entity) -> str:
    """The absolute address the board's QR code carries: the business's public card."""
    return request.build_absolute_uri(reverse("public:card", args=[entity.pk]))


@login_required
def entity_board(request, pk):
    """The printable board, drawn by the public side from the published fields."""
    entity = access_entity(request.user, pk)
    return redirect("public:board", pk=entity.pk)


@login_required
@cache_control(private=True, max_age=3600)
def entity_qr(request, pk):
    """The QR code of the business's public card as SVG (scalable, crisp when printed)."""
    entity = access_entity(request.user, pk)
    code = segno.make(card_url(request, entity), error="m", micro=False)
    return HttpResponse(
        code.svg_inline(scale=8, border=2, title=entity.name, omitsize=False),
        content_type="image/svg+xml",
    )
