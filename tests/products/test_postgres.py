"""PostgreSQL only: row-level security also walls off the products tables."""

import pytest
from django.db import connection

from lenddesk.tenancy.context import tenant_context
from tests.products.conftest import MORTGAGE_RULES, make_product, person

pytestmark = pytest.mark.postgres


def test_rls_hides_another_firms_catalogue_and_matches(
    tenant_a, tenant_b, admin_a, admin_b
):
    from lenddesk.products import services

    make_product(tenant_a, admin_a, rules=MORTGAGE_RULES)
    make_product(tenant_b, admin_b, rules=MORTGAGE_RULES)
    customer = person(tenant_b, admin_b, age=40)
    with tenant_context(tenant_b):
        services.match_customer(actor=admin_b, customer=customer)
    with tenant_context(tenant_a), connection.cursor() as cursor:
        for table in (
            "products_product",
            "products_ruleset",
            "products_funder",
            "products_matchrun",
        ):
            cursor.execute("SELECT DISTINCT tenant_id FROM %s" % table)
            assert {row[0] for row in cursor.fetchall()} <= {tenant_a.pk}, table
