"""The workflow editor (流程配置): drafts, steps, reordering and publishing, tried
through the services and the pages as an admin would."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lenddesk.audit.models import AuditEvent
from lenddesk.orders import workflows as services
from lenddesk.orders.models import (
    NodeKind,
    Order,
    VersionStatus,
    Workflow,
    WorkflowNode,
    WorkflowVersion,
)
from lenddesk.orders.seed import seed_orders
from lenddesk.orders.workflow_drawing import flow_svg
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.factories import make_user

MORTGAGE = [
    ("qianyue", "签约", "salesperson"),
    ("ziliao", "资料收集", "processor"),
    ("pinggu", "评估", "warrant_officer"),
    ("yushen", "预审", "processor"),
    ("tijiao", "提交资方", "processor"),
    ("shenpi", "审批", "processor"),
    ("gongzheng", "公证", "warrant_officer"),
    ("diya", "抵押登记", "warrant_officer"),
    ("fangkuan", "放款", "finance"),
    ("shoufei", "收费", "finance"),
]
HTMX = {"HTTP_HX_REQUEST": "true"}
_numbers = iter(range(1, 100_000))


def build_flow(actor, key, name, steps, *, product_types=("mortgage",)):
    """A published version 1 made through the editor's own services."""
    workflow = services.workflow_create(
        actor=actor, key=key, name=name, product_types=list(product_types)
    )
    draft = services.workflow_draft(actor=actor, workflow=workflow)
    for step_key, step_name, role in steps:
        services.node_add(
            actor=actor,
            draft=draft,
            data={
                "key": step_key,
                "name": step_name,
                "role_key": role,
                "sla_hours": 48,
                "locked_fields": ["amount"] if step_key == "tijiao" else [],
            },
        )
    services.workflow_publish(actor=actor, draft=draft, note="默认流程")
    workflow.refresh_from_db()
    return workflow


def open_order(tenant, actor, workflow):
    """An order as the order service opens one: on the flow's published version."""
    customer = add_customer(tenant, actor, owner=actor)
    with tenant_context(tenant):
        version = Workflow.objects.get(pk=workflow.pk).current
        return Order.objects.create(
            number="T%05d" % next(_numbers),
            customer=customer,
            owner=actor,
            version=version,
            node=version.nodes.order_by("position").first(),
            amount=Decimal("800000.00"),
            term_months=36,
            node_entered_at=timezone.now(),
        )


def keys_of(version):
    return list(version.nodes.order_by("position").values_list("key", flat=True))


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def mortgage(tenant_a, admin_a):
    """The firm's default mortgage flow (``orders.seed``, published as version 1)."""
    with tenant_context(tenant_a):
        seed_orders()  # idempotent: provisioning has run it already
        return Workflow.objects.get(key="mortgage")


def test_adding_mianqian_publishes_v2_and_running_orders_keep_v1(
    client, tenant_a, admin_a, mortgage
):
    before = open_order(tenant_a, admin_a, mortgage)
    force_session(client, admin_a)
    editor = "/orders/workflows/%d/" % mortgage.pk
    response = client.post(
        editor + "steps/add/",
        {
            "name": "面签",
            "key": "mianqian",
            "kind": "step",
            "role_key": "processor",
            "sla_hours": "24",
            "required_documents": ["id_card", "property_certificate"],
            "checklist": "核对身份证原件\n客户本人签字",
            "can_return": "on",
            "can_cancel": "on",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        v1_keys = keys_of(mortgage.current)
        draft = WorkflowVersion.objects.get(workflow=mortgage, status="draft")
        keys = keys_of(draft)
    assert draft.number == 2 and keys[-2:] == ["mianqian", "done"]
    # 面签 goes right after the funder's approval, as the drag-and-drop list posts it.
    keys.remove("mianqian")
    keys.insert(keys.index("approval") + 1, "mianqian")
    response = client.post(editor + "reorder/", {"keys": keys}, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()[:500]
    response = client.post(editor + "publish/", {"note": "抵押贷增加面签"})
    assert response.status_code == 302
    with tenant_context(tenant_a):
        mortgage.refresh_from_db()
        v1 = WorkflowVersion.objects.get(workflow=mortgage, number=1)
        v2 = mortgage.current
        before.refresh_from_db()
        assert v2.number == 2 and v2.status == VersionStatus.PUBLISHED
        assert v2.published_by == admin_a and v2.note == "抵押贷增加面签"
        assert v1.status == VersionStatus.RETIRED
        assert keys_of(v2) == keys
        assert keys_of(v1) == v1_keys and "mianqian" not in v1_keys
        assert before.version == v1 and before.node.version == v1
        mianqian = v2.nodes.get(key="mianqian")
        assert mianqian.sla_hours == 24 and mianqian.checklist == [
            "核对身份证原件",
            "客户本人签字",
        ]
    after = open_order(tenant_a, admin_a, mortgage)
    assert after.version == v2 and after.node.version == v2
    page = client.get(editor).content.decode()
    assert "面签" in page and "抵押贷增加面签" in page
    listing = client.get("/orders/workflows/").content.decode()
    assert "v1: 1" in listing and "v2: 1" in listing
    with tenant_context(tenant_a):
        actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        services.WorkflowAudit.NODE_ADDED,
        services.WorkflowAudit.REORDERED,
        services.WorkflowAudit.PUBLISHED,
    } <= actions


def test_reorder_rewrites_positions_and_refuses_a_stale_list(tenant_a, admin_a):
    with tenant_context(tenant_a):
        flow = build_flow(
            admin_a, "test-credit", "信用贷", MORTGAGE[:4], product_types=[]
        )
        draft = services.workflow_draft(actor=admin_a, workflow=flow)
        assert draft.number == 2 and keys_of(draft) == keys_of(flow.current)
        assert services.workflow_draft(actor=admin_a, workflow=flow) == draft
        wanted = ["yushen", "qianyue", "pinggu", "ziliao", "done"]
        services.nodes_reorder(actor=admin_a, draft=draft, keys_in_order=wanted)
        assert keys_of(draft) == wanted
        assert list(draft.nodes.values_list("position", flat=True)) == [0, 1, 2, 3, 4]
        # Someone else removed a step meanwhile: the old list is refused, not merged.
        services.node_remove(actor=admin_a, draft=draft, key="pinggu")
        with pytest.raises(ValidationError) as stale:
            services.nodes_reorder(actor=admin_a, draft=draft, keys_in_order=wanted)
        assert "keys" in field_errors(stale)
        with pytest.raises(ValidationError) as end_first:
            services.nodes_reorder(
                actor=admin_a,
                draft=draft,
                keys_in_order=["done", "yushen", "qianyue", "ziliao"],
            )
        assert "keys" in field_errors(end_first)
        assert keys_of(draft) == ["yushen", "qianyue", "ziliao", "done"]
        assert list(draft.nodes.values_list("position", flat=True)) == [0, 1, 2, 3]
        assert keys_of(flow.current) == [
            "qianyue",
            "ziliao",
            "pinggu",
            "yushen",
            "done",
        ]


def test_a_stale_page_gets_an_error_and_the_positions_stay_whole(
    client, tenant_a, admin_a, mortgage
):
    other_admin = make_user(tenant_a, "admin2", role_keys=["admin"])
    with tenant_context(tenant_a):
        page_keys = keys_of(mortgage.current)
        draft = services.workflow_draft(actor=other_admin, workflow=mortgage)
        services.node_remove(actor=other_admin, draft=draft, key="appraisal")
    force_session(client, admin_a)
    page_keys[0], page_keys[1] = page_keys[1], page_keys[0]
    response = client.post(
        "/orders/workflows/%d/reorder/" % mortgage.pk, {"keys": page_keys}, **HTMX
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="wf-errors"' in body and 'id="wf-editor"' in body
    with tenant_context(tenant_a):
        positions = list(draft.nodes.values_list("position", flat=True))
    assert positions == list(range(len(page_keys) - 1))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "role_key": "processor"}, "name"),
        ({"name": "面签", "role_key": "processor", "key": "Bad Key"}, "key"),
        ({"name": "面签", "role_key": "processor", "key": "approval"}, "key"),
        ({"name": "面签", "role_key": "no_such_role"}, "role_key"),
        ({"name": "面签", "role_key": ""}, "role_key"),
        ({"name": "面签", "role_key": "processor", "sla_hours": 0}, "sla_hours"),
        ({"name": "面签", "role_key": "processor", "sla_hours": 8761}, "sla_hours"),
        ({"name": "面签", "role_key": "processor", "sla_hours": "x"}, "sla_hours"),
        (
            {"name": "面签", "role_key": "processor", "required_documents": ["x"]},
            "required_documents",
        ),
        (
            {"name": "面签", "role_key": "processor", "locked_fields": ["owner"]},
            "locked_fields",
        ),
        (
            {"name": "面签", "role_key": "processor", "checklist": ["x"] * 21},
            "checklist",
        ),
        ({"name": "面签", "kind": "end"}, "kind"),
        ({"name": "面签", "kind": "other"}, "kind"),
    ],
)
def test_bad_steps_are_refused_naming_the_field(
    tenant_a, admin_a, mortgage, data, field
):
    with tenant_context(tenant_a):
        draft = services.workflow_draft(actor=admin_a, workflow=mortgage)
        with pytest.raises(ValidationError) as refused:
            services.node_add(actor=admin_a, draft=draft, data=data)
        assert field in field_errors(refused)
        assert refused.value.code == "workflow_invalid"
        assert keys_of(draft) == keys_of(mortgage.current)


def test_flows_and_publishing_refuse_bad_input(tenant_a, admin_a, mortgage):
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as taken:
            services.workflow_create(
                actor=admin_a, key="mortgage", name="又一个", product_types=[]
            )
        assert "key" in field_errors(taken)
        with pytest.raises(ValidationError) as types:
            services.workflow_create(
                actor=admin_a, key="x", name="x", product_types=["boat"]
            )
        assert "product_types" in field_errors(types)
        fresh = services.workflow_create(
            actor=admin_a, key="bridge", name="过桥", product_types=[]
        )
        draft = WorkflowVersion.objects.get(workflow=fresh)
        assert draft.number == 1 and draft.status == VersionStatus.DRAFT
        assert [(n.key, n.kind) for n in draft.nodes.all()] == [("done", "end")]
        with pytest.raises(ValidationError) as too_short:
            services.workflow_publish(actor=admin_a, draft=draft, note="")
        assert "nodes" in field_errors(too_short)
        with pytest.raises(ValidationError) as long_note:
            services.workflow_publish(actor=admin_a, draft=draft, note="长" * 201)
        assert "note" in field_errors(long_note)
        # A published version is never edited in place.
        with pytest.raises(ValidationError):
            services.node_add(
                actor=admin_a,
                draft=mortgage.current,
                data={"name": "面签", "role_key": "processor"},
            )
        services.node_remove(actor=admin_a, draft=draft, key="done")
        services.node_add(
            actor=admin_a, draft=draft, data={"name": "签约", "role_key": "processor"}
        )
        with pytest.raises(ValidationError) as no_end:
            services.workflow_publish(actor=admin_a, draft=draft)
        assert "nodes" in field_errors(no_end)
        services.node_add(
            actor=admin_a,
            draft=draft,
            data={"name": "完结", "kind": "end", "key": "end"},
        )
        published = services.workflow_publish(actor=admin_a, draft=draft)
        assert published.status == VersionStatus.PUBLISHED
        assert [n.kind for n in published.nodes.all()] == [NodeKind.STEP, NodeKind.END]


def test_the_page_shows_errors_next_to_the_field(client, tenant_a, admin_a, mortgage):
    force_session(client, admin_a)
    url = "/orders/workflows/%d/steps/add/" % mortgage.pk
    data = {"name": "面签", "kind": "step", "role_key": "processor", "sla_hours": "0"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'data-field="sla_hours"' in response.content.decode()
    response = client.post(url, {**data, "sla_hours": "24", "key": "approval"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 400 and "<html" not in body[:500]
    assert 'data-field="key"' in body
    edit = client.post(
        "/orders/workflows/%d/steps/save/" % mortgage.pk,
        {"node": "approval", "name": "审批", "key": "approval", "role_key": "nobody"},
        **HTMX,
    )
    assert edit.status_code == 400 and 'data-field="role_key"' in edit.content.decode()
    with tenant_context(tenant_a):
        assert not WorkflowVersion.objects.filter(
            workflow=mortgage, status="draft"
        ).exists()


def test_editing_a_step_in_place_and_removing_one(client, tenant_a, admin_a, mortgage):
    force_session(client, admin_a)
    base = "/orders/workflows/%d/" % mortgage.pk
    response = client.post(
        base + "steps/save/",
        {
            "node": "approval",
            "name": "银行审批",
            "key": "approval",
            "role_key": "processor",
            "sla_hours": "72",
            "locked_fields": ["amount", "fee"],
        },
        **HTMX,
    )
    assert response.status_code == 200 and "银行审批" in response.content.decode()
    response = client.post(base + "steps/remove/", {"node": "appraisal"}, **HTMX)
    assert response.status_code == 200
    with tenant_context(tenant_a):
        draft = WorkflowVersion.objects.get(workflow=mortgage, status="draft")
        approval = draft.nodes.get(key="approval")
        assert (approval.name, approval.sla_hours) == ("银行审批", 72)
        assert approval.locked_fields == ["amount", "fee"]
        assert approval.can_return is False  # an unticked box is a "no"
        assert "appraisal" not in keys_of(draft)
        steps = len(keys_of(mortgage.current))
        positions = list(draft.nodes.values_list("position", flat=True))
        assert positions == list(range(steps - 1))
        assert mortgage.current.nodes.get(key="approval").name != "银行审批"
    discard = client.post(base + "discard/")
    assert discard.status_code == 302
    with tenant_context(tenant_a):
        assert not WorkflowVersion.objects.filter(status="draft").exists()


def test_creating_a_flow_through_the_page(client, tenant_a, admin_a):
    force_session(client, admin_a)
    assert client.get("/orders/workflows/new/").status_code == 200
    refused = client.post("/orders/workflows/new/", {"name": "转贷", "key": "转贷"})
    assert refused.status_code == 400
    assert 'data-field="key"' in refused.content.decode()
    response = client.post(
        "/orders/workflows/new/",
        {"name": "过桥", "key": "bridge-loan", "product_types": ["mortgage"]},
    )
    assert response.status_code == 302
    with tenant_context(tenant_a):
        flow = Workflow.objects.get(key="bridge-loan")
    assert response["Location"] == "/orders/workflows/%d/" % flow.pk
    page = client.get(response["Location"])
    assert (
        page.status_code == 200 and 'data-testid="wf-publish"' in page.content.decode()
    )


def test_the_drawing_shows_every_step(tenant_a, admin_a, mortgage, client):
    with tenant_context(tenant_a):
        draft = services.workflow_draft(actor=admin_a, workflow=mortgage)
        services.node_add(
            actor=admin_a,
            draft=draft,
            data={"name": "面签<b>", "key": "mianqian", "role_key": "processor"},
        )
        nodes = list(draft.nodes.order_by("position"))
    for columns in (1, 3):
        svg = str(flow_svg(nodes, role_names={"processor": "业务员"}, columns=columns))
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        for node in nodes:
            if node.key != "mianqian":
                assert node.name in svg
        assert "面签&lt;b&gt;" in svg and "<b>" not in svg
        assert "stroke-dasharray" in svg  # the way back
        cancellable = sum(1 for n in nodes if n.kind == "step" and n.can_cancel)
        assert svg.count("<circle") == cancellable
    force_session(client, admin_a)
    page = client.get("/orders/workflows/%d/" % mortgage.pk).content.decode()
    assert page.count('data-testid="flow-drawing"') == 2  # wide and phone layouts
    old = client.get("/orders/workflows/%d/?v=1" % mortgage.pk).content.decode()
    # The published v1 is shown read-only and without the draft's new step.
    assert 'data-testid="wf-readonly"' in old and "面签&lt;b&gt;" not in old


def test_only_holders_of_the_workflow_permission_get_in(
    client, tenant_a, admin_a, mortgage, salesperson_a
):
    force_session(client, salesperson_a)
    base = "/orders/workflows/%d/" % mortgage.pk
    assert client.get("/orders/workflows/").status_code == 403
    assert client.get(base).status_code == 403
    assert client.post(base + "publish/", {"note": "x"}).status_code == 403
    added = client.post(base + "steps/add/", {"name": "面签", "role_key": "processor"})
    assert added.status_code == 403
    with tenant_context(tenant_a), pytest.raises(PermissionDenied):
        services.workflow_draft(actor=salesperson_a, workflow=mortgage)
    manager = make_user(tenant_a, "gm", role_keys=["general_manager"])
    force_session(client, manager)
    assert client.get("/orders/workflows/").status_code == 200
    assert client.get(base).status_code == 200


def test_another_firms_flow_is_not_found(client, tenant_a, admin_a, admin_b, mortgage):
    force_session(client, admin_b)
    base = "/orders/workflows/%d/" % mortgage.pk
    assert client.get(base).status_code == 404
    assert client.post(base + "publish/", {"note": "x"}).status_code == 404
    listing = client.get("/orders/workflows/").content.decode()
    assert 'href="%s"' % base not in listing


def test_publishing_leaves_running_orders_and_their_moves_alone(
    tenant_a, admin_a, mortgage
):
    order = open_order(tenant_a, admin_a, mortgage)
    with tenant_context(tenant_a):
        v1 = mortgage.current
        node = order.node
        Order.objects.filter(pk=order.pk).update(
            node=v1.nodes.get(key="approval"),
            node_entered_at=timezone.now() - dt.timedelta(hours=3),
        )
        draft = services.workflow_draft(actor=admin_a, workflow=mortgage)
        services.node_remove(actor=admin_a, draft=draft, key="approval")
        services.workflow_publish(actor=admin_a, draft=draft, note="去掉审批")
        order.refresh_from_db()
        assert order.version == v1 and order.node.key == "approval"
        assert WorkflowNode.objects.filter(version=v1, key="approval").exists()
        assert node.version == v1
