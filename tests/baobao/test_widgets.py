"""QuickSelect renders what Django's Select renders, without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html

from baobao.widgets import QuickSelect

CHOICES = [("", "全部"), ("A", "A级"), ("B", "B级 <高风险> & 其他"), (3, "3")]


@pytest.mark.parametrize("value", [None, "", "A", "B", 3, "nothing"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_grade", "data-autosubmit": True, "disabled": False}]
)
def test_quick_select_renders_as_djangos_select(value, attrs):
    ours = QuickSelect(choices=CHOICES).render("grade", value, attrs)
    django = forms.Select(choices=CHOICES).render("grade", value, attrs)
    assert parse_html(ours) == parse_html(django)


def test_the_chosen_option_is_selected_and_labels_are_escaped():
    html = QuickSelect(choices=CHOICES).render("grade", "B", None)
    assert '<option value="B" selected>B级 &lt;高风险&gt; &amp; 其他</option>' in html
    assert html.count(" selected") == 1
