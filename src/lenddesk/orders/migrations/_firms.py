"""For data migrations: run a function once per firm, under that firm's row-level
security on PostgreSQL (as ``audit.0004`` does)."""


def for_each_firm(apps, schema_editor, work) -> None:
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    tenant_ids = list(
        apps.get_model("tenancy", "Tenant")
        .objects.using(connection.alias)
        .values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        if postgres:  # foreign keys checked now, under the firm's setting, not at commit
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for tenant_id in tenant_ids:
            if postgres:
                cursor.execute(
                    "SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)]
                )
            work(tenant_id)
        if postgres:
            cursor.execute("SELECT set_config('app.tenant_id', '', true)")
