from django import forms
from django.utils.translation import gettext_lazy as _

from lenddesk.acquisition.conversion_models import ConversionEvent
from lenddesk.acquisition.conversions import qualified_stage_choices


class ConversionSettingsForm(forms.Form):
    """The page's form; the service checks everything again (the API has no form)."""

    enabled = forms.BooleanField(label=_("Send conversion feedback"), required=False)
    url = forms.CharField(
        label=_("Callback URL"),
        max_length=500,
        required=False,
        help_text=_("The platform's address for conversion callbacks (https)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=ConversionEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    qualified_stage = forms.ChoiceField(
        label=_("Stage that counts as qualified"),
        help_text=_("Reaching this stage or any later one sends “qualified”."),
    )
    send_amount_band = forms.BooleanField(
        label=_("Send the amount band"),
        required=False,
        help_text=_(
            "The band of the customer's requested amount (such as 10-30万), "
            "never the figure."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualified_stage"].choices = qualified_stage_choices()
