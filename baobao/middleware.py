from django.conf import settings
from django.http import Http404
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class SiteLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on an office PC
    with an English system would show English to a clerk who never asked for it.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


# What a business user may open: their own side (the enterprises app, by its namespace), their
# account and inbox, and the infrastructure every phone page needs. Everything else (the office's
# and the cadres' pages) answers 404, whatever that page's own scoping would have shown.
BUSINESS_NAMESPACES = {"enterprises", "accounts", "notifications"}
BUSINESS_VIEWS = {
    "home",
    "login",
    "logout",
    "set_language",
    "healthz",
    "readyz",
    "inspections:service-worker",
    "inspections:offline-token",
}


class BusinessFenceMiddleware:
    """Keep a business user (``Role.BUSINESS``) on the business side: 404 elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if not (user is not None and user.is_authenticated and user.is_business):
            return None
        match = request.resolver_match
        if match is None or match.view_name in BUSINESS_VIEWS:
            return None
        if set(match.namespaces) & BUSINESS_NAMESPACES and "admin" not in match.namespaces:
            return None
        raise Http404
