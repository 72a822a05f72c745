from django import template

from baobao.privacy import mask_phone
from baobao.selectors import access_division, division_levels

register = template.Library()


@register.filter(name="mask_phone")
def mask_phone_filter(value):
    """138****5678 (baobao/privacy.py)."""
    return mask_phone(value)


@register.simple_tag(takes_context=True)
def phone(context, value):
    """The number in full when the page says the reader may see it (``full_phones``), else
    masked."""
    return value if context.get("full_phones") else mask_phone(value)


@register.inclusion_tag("includes/division_chooser.html", takes_context=True)
def division_chooser(context):
    """The area picker: the path from the user's scope down to the chosen division (links), and a
    select of the chosen division's children, so the choice goes one level at a time."""
    request = context["request"]
    user = request.user
    root = user.division if user.division_id and user.is_office else None
    current = access_division(user, request.GET.get("division")) or root
    trail, children = division_levels(user=user, division=current)
    return {"request": request, "current": current, "trail": trail, "children": children}
