from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from baobao.selectors import user_overview


@login_required
def home(request):
    """Who you are, what you may see, and the first figures of your scope."""
    return render(request, "home.html", user_overview(user=request.user))
