from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from baobao.selectors import user_overview
from ledgers.dashboards.home import office_figures


@login_required
def home(request):
    """Who you are, what you may see; for office staff the scope's figures, each linking into its
    page. A cadre or their aide works from this quarter's task instead."""
    user = request.user
    if user.acting_cadre_id:
        return redirect("inspections:my")
    if user.is_business:
        return redirect("enterprises:home")
    return render(
        request,
        "home.html",
        {**user_overview(user=user), "office": office_figures(user=user, today=request.today)},
    )
