from django import template

from baobao.selectors import access_division, division_children, division_trail

register = template.Library()


@register.inclusion_tag("includes/division_chooser.html", takes_context=True)
def division_chooser(context):
    """The area picker: the path from the user's scope down to the chosen division (links), and a
    select of the chosen division's children, so the choice goes one level at a time."""
    request = context["request"]
    user = request.user
    root = user.division if user.division_id and user.is_office else None
    current = access_division(user, request.GET.get("division")) or root
    return {
        "request": request,
        "current": current,
        "trail": division_trail(user=user, division=current),
        "children": division_children(user=user, division=current),
    }
