from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static

from baobao.selectors import user_overview


@login_required
def home(request):
    """Who you are, what you may see, and the first figures of your scope."""
    return render(request, "home.html", user_overview(user=request.user))


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the static icon."""
    return redirect(static("favicon.svg"), permanent=True)
