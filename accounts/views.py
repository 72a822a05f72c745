"""Pages of sign-in security: changing one's password, the session's idle status, an office's
reset of a user's password to a one-time password."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import gate
from accounts.policy import idle_timeout_seconds
from accounts.selectors import can_reset_passwords, password_state, resettable_users
from accounts.services import password_change, password_reset


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    """The user's own change: required first after a reset, a first sign-in or an expiry."""
    reason = request.session.get(gate.PASSWORD, "")
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_change(
            user=request.user, password=form.cleaned_data["new_password1"], request=request
        )
        update_session_auth_hash(request, request.user)
        gate.password_changed(request)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    state = password_state(user=request.user, now=request.now)
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "reason": reason, "expires_at": state.expires_at},
    )


@never_cache
@login_required
@require_GET
def session_status(request):
    """Seconds left before the idle timeout (``?stay=1`` first counts as activity): the page's
    warning asks it before ending a session another tab kept alive."""
    limit = idle_timeout_seconds(request.user)
    if not limit:
        return JsonResponse({"remaining": None})
    now = int(request.now.timestamp())
    if request.GET.get("stay"):
        request.session[gate.SEEN] = now
    seen = request.session.get(gate.SEEN) or now
    return JsonResponse({"remaining": max(limit - (now - seen), 0)})


def _require_resetter(user):
    if not can_reset_passwords(user):
        raise PermissionDenied(_("Your role may not reset passwords."))


@login_required
@require_GET
def user_list(request):
    """The users of the office's area, to reset a password."""
    _require_resetter(request.user)
    users = resettable_users(user=request.user).select_related("division")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(phone=query)
        )
    page = Paginator(users.order_by("username"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "query": query})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_reset(request, pk: int):
    """Confirm, then reset to a one-time password shown once."""
    _require_resetter(request.user)
    target = resettable_users(user=request.user).filter(pk=pk).first()
    if target is None:
        raise Http404
    if request.method == "POST":
        password = password_reset(user=target, by=request.user, request=request)
        return render(
            request, "accounts/user_reset_done.html", {"target": target, "password": password}
        )
    return render(request, "accounts/user_reset.html", {"target": target})
