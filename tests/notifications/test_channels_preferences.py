"""Per-person choices per kind of event, on top of the firm's channels and defaults."""

import pytest
from django.core.exceptions import ValidationError

from lenddesk.notifications.channel_settings import channel_config_save
from lenddesk.notifications.models import OutboxMessage
from lenddesk.notifications.preferences import preference_matrix, preferences_save
from lenddesk.notifications.services import notify
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user

ASSIGNED = "customers.assigned"
DUE = "customers.followup_due"


def email_on(tenant, admin, *, enabled=True, defaults=(ASSIGNED,)):
    with tenant_context(tenant):
        channel_config_save(
            actor=admin,
            channel="email",
            enabled=enabled,
            provider="smtp",
            default_kinds=list(defaults),
        )


def outbox_for(tenant, kind, recipients):
    with tenant_context(tenant):
        notify(recipients=recipients, kind=kind, title="x")
        return sorted(
            OutboxMessage.objects.filter(kind=kind).values_list(
                "recipient__username", "channel"
            )
        )


@pytest.fixture
def two(tenant_a):
    return make_user(tenant_a, "amy"), make_user(tenant_a, "bob")


def test_the_firm_default_applies_until_a_person_chooses(tenant_a, admin_a, two):
    amy, bob = two
    email_on(tenant_a, admin_a)
    with tenant_context(tenant_a):
        preferences_save(actor=bob, selected=[])  # bob: no email for anything
        preferences_save(actor=amy, selected=["%s|email" % ASSIGNED, "%s|email" % DUE])
    assert outbox_for(tenant_a, ASSIGNED, [amy, bob]) == [("amy", "email")]
    assert outbox_for(tenant_a, DUE, [amy, bob]) == [("amy", "email")]  # opted in


def test_a_switched_off_channel_sends_nothing_whatever_people_chose(
    tenant_a, admin_a, two
):
    amy, _bob = two
    email_on(tenant_a, admin_a)
    with tenant_context(tenant_a):
        preferences_save(actor=amy, selected=["%s|email" % ASSIGNED])
    email_on(tenant_a, admin_a, enabled=False)
    assert outbox_for(tenant_a, ASSIGNED, [amy]) == []
    with tenant_context(tenant_a):
        assert all(row["cells"] == [] for row in preference_matrix(actor=amy))


def test_an_unknown_box_is_refused_naming_the_field(tenant_a, admin_a, two):
    amy, _bob = two
    email_on(tenant_a, admin_a)
    with tenant_context(tenant_a), pytest.raises(ValidationError) as refused:
        preferences_save(actor=amy, selected=["%s|sms" % ASSIGNED])  # sms is off
    assert "selected" in refused.value.message_dict


def test_the_preferences_page_shows_and_saves_the_matrix(
    client, tenant_a, admin_a, two
):
    amy, _bob = two
    email_on(tenant_a, admin_a)
    force_session(client, amy)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="%s|email" checked' % ASSIGNED in html  # the firm's default
    saved = client.post("/notifications/preferences/", {"on": ["%s|email" % DUE]})
    assert saved.status_code == 302
    assert outbox_for(tenant_a, ASSIGNED, [amy]) == []
    assert outbox_for(tenant_a, DUE, [amy]) == [("amy", "email")]
    bad = client.post("/notifications/preferences/", {"on": ["nonsense|email"]})
    assert bad.status_code == 400
    assert outbox_for(tenant_a, DUE, [amy]) == [("amy", "email")] * 2  # unchanged
