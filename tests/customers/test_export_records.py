"""A direct (small) export is listed under 我的导出 with its row count, and its amounts
are numbers Excel can add up; text cells stay neutralised against formulas."""

import io
import re
import zipfile
from decimal import Decimal

from lenddesk.customers.models import ExportJob
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer


def _sheet(response) -> str:
    data = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


def _cells(sheet: str, column: str) -> list[str]:
    return re.findall(r'<c r="%s\d+"[^>]*>.*?</c>' % column, sheet)


def test_direct_export_is_listed_with_its_rows(client, tenant_a, admin_a, team):
    add_customer(tenant_a, admin_a, owner=admin_a, name="张三")
    add_customer(tenant_a, admin_a, owner=admin_a, name="李四")
    add_customer(tenant_a, admin_a, owner=team["s1"], name="别人的")
    force_session(client, admin_a)
    assert client.get("/customers/export.xlsx").status_code == 200
    page = client.get("/customers/exports/").content.decode()
    table = page.split('data-testid="exports"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>.*?</tr>", table.split("<tbody>")[1], re.S)
    assert len(rows) == 1
    assert "<td>3</td>" in rows[0]
    with tenant_context(tenant_a):
        job = ExportJob.objects.get()
    assert job.status == "completed" and job.rows == 3 and job.sha256
    # The file went to the browser; none is kept to download again.
    assert 'href="/customers/exports/%d/"' % job.pk not in rows[0]
    assert client.get("/customers/exports/%d/" % job.pk).status_code == 404
    force_session(client, team["s1"])
    assert client.get("/customers/exports/").status_code == 403


def test_amounts_are_numbers_and_text_is_neutralised(client, tenant_a, admin_a):
    add_customer(
        tenant_a,
        admin_a,
        owner=admin_a,
        name="=1+1",
        demand_amount=Decimal("300000.50"),
    )
    add_customer(tenant_a, admin_a, owner=admin_a, name="无金额")
    force_session(client, admin_a)
    sheet = _sheet(client.get("/customers/export.xlsx"))
    amounts = _cells(sheet, "D")[1:]  # the first is the header
    numeric = [c for c in amounts if "<v>" in c and 't="' not in c]
    assert len(numeric) == 1 and "<v>300000.5</v>" in numeric[0]
    assert "<f>" not in sheet and "'=1+1" in sheet
    styles = zipfile.ZipFile(
        io.BytesIO(b"".join(client.get("/customers/export.xlsx").streaming_content))
    ).read("xl/styles.xml")
    assert b"#,##0.00" in styles
