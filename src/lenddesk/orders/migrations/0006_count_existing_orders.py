"""The kept step counts of the orders that exist (a table of its own migration: the
foreign key must exist before rows are checked against it under the firm's RLS)."""

from django.db import migrations
from django.db.models import Count

from lenddesk.orders.migrations._firms import for_each_firm


def count_existing(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderStepCount = apps.get_model("orders", "OrderStepCount")
    def firm(tenant_id):
        rows = (
            Order._base_manager.filter(tenant_id=tenant_id)
            .order_by()
            .values("tenant_id", "node_id", "status")
            .annotate(n=Count("*"))
        )
        OrderStepCount._base_manager.bulk_create(
            [OrderStepCount(shard=0, **row) for row in rows]
        )

    for_each_firm(apps, schema_editor, firm)


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_step_counts")]

    operations = [migrations.RunPython(count_existing, migrations.RunPython.noop)]
