"""Form widgets of our own."""

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A plain ``<select>`` (no option groups) built in Python.

    Django renders a select through a template per option. On the business list's filter form
    (a province's zones, the grades, types and statuses) that cost as much as the fifty rows of
    the table. Same markup, same selection rules; only the rendering is direct.
    """

    def render(self, name, value, attrs=None, renderer=None):
        # Straight from the choices: Django's per-option context dicts (create_option) and its
        # lazy-aware escaping cost more than the markup on a province's 200 zones.
        chosen = set(self.format_value(value))
        found = False
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = ""
            if option_value in chosen and (not found or self.allow_multiple_selected):
                selected, found = " selected", True
            options.append(
                f'<option value="{html.escape(option_value)}"{selected}>'
                f"{html.escape(str(label))}</option>"
            )
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(attrs), mark_safe("".join(options))
        )
