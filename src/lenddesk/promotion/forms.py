from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.selectors import active_colleagues
from lenddesk.promotion.models import ApplicationForm, Assignment, MaterialKind


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MaterialKind.choices)
    title = forms.CharField(label=_("Title"), max_length=80)
    summary = forms.CharField(
        label=_("Summary (shown in the WeChat card)"), max_length=160, required=False
    )
    body_html = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "data-rich-text": "1"}),
    )
    image = forms.FileField(
        label=_("Picture (poster, or cover of an article or video; JPG/PNG, ≤ 8 MB)"),
        required=False,
    )
    video = forms.FileField(
        label=_("Video file (MP4/WebM/MOV, ≤ 50 MB)"), required=False
    )
    video_url = forms.URLField(
        label=_("…or a link to the video (https)"),
        max_length=300,
        required=False,
        assume_scheme="https",
    )
    form = forms.ModelChoiceField(
        label=_("Application form on the page"),
        queryset=None,
        required=False,
    )
    published = forms.BooleanField(label=_("Published"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = ApplicationForm.objects.filter(active=True)
        if editing:
            self.fields["kind"].disabled = True


class FormSettingsForm(forms.Form):
    """Everything of an application form except its field list (the builder table)."""

    title = forms.CharField(label=_("Title"), max_length=80)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    thanks = forms.CharField(
        label=_("Thank-you message"), max_length=300, required=False
    )
    channel_name = forms.CharField(
        label=_("Channel (leads without a material are credited to it)"),
        max_length=60,
        required=False,
    )
    assignment = forms.ChoiceField(
        label=_("Leads without a sharer go to"), choices=Assignment.choices
    )
    assign_to = forms.ModelChoiceField(
        label=_("Colleague"), queryset=None, required=False
    )
    hourly_limit = forms.IntegerField(
        label=_("Submissions per hour (whole form)"),
        min_value=1,
        max_value=100_000,
        initial=300,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assign_to"].queryset = active_colleagues()


class CardForm(forms.Form):
    job_title = forms.CharField(label=_("Job title"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Contact phone (shown publicly)"), max_length=20, required=False
    )
    wechat = forms.CharField(label=_("WeChat ID"), max_length=40, required=False)
    intro = forms.CharField(
        label=_("About me"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
