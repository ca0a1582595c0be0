"""An order's owner is its customer's owner (orders/ownership.py): line up orders
whose customer changed hands before the two were kept together."""

from django.db import migrations
from django.db.models import F

from lenddesk.orders.migrations._firms import for_each_firm


def line_up(apps, schema_editor):
    Order = apps.get_model("orders", "Order")

    def firm(tenant_id):
        stale = (
            Order._base_manager.filter(tenant_id=tenant_id, status="open")
            .exclude(customer__owner__isnull=True)
            .exclude(owner=F("customer__owner"))
            .values_list("pk", "customer__owner")
        )
        for pk, owner_id in list(stale):
            Order._base_manager.filter(pk=pk).update(owner_id=owner_id)

    for_each_firm(apps, schema_editor, firm)


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_loans_afterloan")]

    operations = [migrations.RunPython(line_up, migrations.RunPython.noop)]
