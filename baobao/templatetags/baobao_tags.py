from django import template

from baobao.models import Division

register = template.Library()


@register.inclusion_tag("includes/division_chooser.html", takes_context=True)
def division_chooser(context):
    """The area picker: the path from the user's scope down to the chosen division (links), and a
    select of the chosen division's children, so the choice goes one level at a time."""
    request = context["request"]
    user = request.user
    scoped = Division.objects.for_user(user)
    current = None
    value = request.GET.get("division", "")
    if value.isdigit():
        current = scoped.filter(pk=value).first()
    root = user.division if user.division_id and user.is_office else None
    if current is None:
        current = root
    trail = []
    if current is not None:
        trail = [d for d in current.ancestors() if root is None or root.contains(d)] + [current]
    children = (
        Division.objects.filter(parent=current).order_by("code")
        if current is not None
        else scoped.filter(parent__isnull=True).order_by("code")
    )
    return {
        "request": request,
        "current": current,
        "trail": trail,
        "children": children,
    }
