"""The demo catalogue makes matching interesting on the demo customers."""

from lenddesk.accounts import demo as accounts_demo
from lenddesk.customers import demo as customers_demo
from lenddesk.customers.models import Customer
from lenddesk.products import demo, services
from lenddesk.products.models import Funder, Product, ProductType, RuleSet
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_tenant


def test_demo_catalogue(db):
    tenant = make_tenant(slug="demo-x")
    lines = []
    with tenant_context(tenant):
        accounts_demo.build(tenant, lines.append)
        customers_demo.build(tenant, lines.append)
        demo.build(tenant, lines.append)
        demo.build(tenant, lines.append)  # idempotent
        assert Funder.objects.count() == 12
        assert Product.objects.count() == 30
        assert set(Product.objects.values_list("type", flat=True)) == set(
            ProductType.values
        )
        assert RuleSet.objects.filter(version=2).exists()
        customers = list(Customer.objects.filter(owner__isnull=False)[:15])
        assert all(c.birth_date for c in customers)
        from lenddesk.accounts.models import User

        admin = User.objects.get(username="admin")
        eligible = [
            len(services.match_customer(actor=admin, customer=c).eligible)
            for c in customers
        ]
    assert any(eligible) and min(eligible) < 30
    assert "products: 30 from 12 funders" in lines
