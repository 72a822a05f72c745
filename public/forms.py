from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from baobao.validators import validate_phone
from public.abuse import captcha_check
from public.models import BlockEntry, PublicationSetting, RequestCategory
from public.services.requests import MAX_PHOTOS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most 3 photos."), code="photos")
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class CaptchaForm(forms.Form):
    """A public form: a captcha drawn here, and a honeypot field people never see."""

    captcha_token = forms.CharField(widget=forms.HiddenInput)
    captcha = forms.CharField(
        label=_("Type the digits in the picture"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    # Hidden by CSS and labelled for robots; a person leaves it empty.
    website = forms.CharField(required=False, label=_("Website"))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("The form could not be accepted."), code="honeypot")
        if not captcha_check(data.get("captcha_token", ""), data.get("captcha", "")):
            self.add_error("captcha", _("The digits do not match the picture; try the new one."))
        return data


class ReportForm(CaptchaForm):
    category = forms.ChoiceField(label=_("What is wrong"), choices=RequestCategory.choices)
    text = forms.CharField(
        label=_("Describe it"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultiplePhotoField(label=_("Photos (up to 3)"), required=False)
    place = forms.CharField(label=_("Where (optional)"), max_length=200, required=False)
    latitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput
    )
    phone = forms.CharField(
        label=_("Your phone (optional, seen only by the office)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
    )


class FollowForm(forms.Form):
    code = forms.CharField(label=_("Receipt code"), max_length=12)


class AssignForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=None)
    deadline = forms.DateField(
        label=_("Handling deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Receipt code of the request it duplicates"), max_length=12)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the reporter sees it)"), max_length=500)


class HandleForm(forms.Form):
    handling = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    visited_at = forms.DateTimeField(
        label=_("Visited at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    on_site = forms.BooleanField(label=_("On site"), required=False, initial=True)
    issue = forms.CharField(
        label=_("Problem found (raises an issue to fix)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply to the reporter"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CampaignForm(forms.Form):
    theme = forms.CharField(label=_("Theme"), max_length=100)
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))


class NominateForm(CaptchaForm):
    entity = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why check it (optional)"), max_length=200, required=False)


class VoteForm(forms.Form):
    nomination = forms.IntegerField(widget=forms.HiddenInput)
    website = forms.CharField(required=False)


class ChooseForm(forms.Form):
    deadline = forms.DateField(
        label=_("Handling deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.ModelChoiceField(
        label=_("Checked by (empty: each business's own cadre)"), queryset=None, required=False
    )

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = cadres


class PublishForm(forms.Form):
    results = forms.CharField(
        label=_("Results in the office's words"), widget=forms.Textarea(attrs={"rows": 4})
    )


class PublicationForm(forms.ModelForm):
    class Meta:
        model = PublicationSetting
        fields = [
            "show_post",
            "show_unit",
            "show_cadre_phone",
            "show_aides",
            "show_aide_phone",
            "contact_phone",
            "duties",
        ]


class BlockForm(forms.ModelForm):
    class Meta:
        model = BlockEntry
        fields = ["kind", "value", "reason"]
