"""What the cadre's phone needs to work with no signal: the service worker and a fresh CSRF token.

The service worker is served from ``/inspections/sw.js`` so that its scope covers the cadre's
pages (``/inspections/…``) without a ``Service-Worker-Allowed`` header; it is a template so that
it names the static files by their (hashed, in production) URLs. A page saved on the phone may be
submitted hours later, after its CSRF token has gone stale (a new login rotates it): queue.js asks
``token`` for the current user and a valid token just before each send, and never sends one
user's queued visits under another user's session.
"""

import hashlib

from django.conf import settings
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# The static files the phone pages load, saved when the service worker installs.
PHONE_ASSETS = (
    "css/app.css",
    "css/phone.css",
    "js/app.js",
    "js/queue.js",
    "js/offline.js",
    "js/visit.js",
    "favicon.svg",
)


def service_worker_response(request, *, cached_paths, home_url, home_label, offline_text):
    """The worker's script for the pages of one folder (its scope: the folder it is served from).

    ``cached_paths`` are the JavaScript regular expressions of the pages it saves (on a visit, or
    when a page asks); ``home_url``/``home_label`` the link of its "no signal" page. The cadre's
    and the business's workers are this one script with their own lists.
    """
    assets = [static(path) for path in PHONE_ASSETS]
    return render(
        request,
        "inspections/sw.js",
        {
            "assets": assets,
            "cached_paths": cached_paths,
            # A new set of static files (a deploy) makes a new worker, which drops the old copies.
            "version": hashlib.sha256(" ".join(assets).encode()).hexdigest()[:12],
            "static_url": settings.STATIC_URL,
            "offline_title": _("No signal"),
            "offline_text": offline_text,
            "home_url": home_url,
            "home_label": home_label,
        },
        content_type="application/javascript; charset=utf-8",
    )


# The cadre's pages the worker saves: the task page, the visit form, the fix report.
CADRE_PAGES = (
    r"^\/inspections\/my\/$",
    r"^\/inspections\/visits\/new\/$",
    r"^\/inspections\/issues\/\d+\/report\/$",
)


@require_GET
@never_cache
def service_worker(request):
    return service_worker_response(
        request,
        cached_paths=CADRE_PAGES,
        home_url=reverse("inspections:my"),
        home_label=_("My tasks"),
        offline_text=_(
            "This page was not saved on this phone. Open My tasks while you have a signal "
            "to save the forms of every business you hold."
        ),
    )


@require_GET
@never_cache
def token(request):
    """The logged-in user's id and a CSRF token valid now; 401 once the session has gone."""
    if not request.user.is_authenticated:
        return JsonResponse({"user": None}, status=401)
    return JsonResponse({"user": str(request.user.pk), "token": get_token(request)})
