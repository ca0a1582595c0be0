"""Demo orders (业务单): the 信用贷 flow's stories, and the player the warrant centre's
demo (抵押贷, 转贷) runs its own stories with.

Every order is played through the real services, as the people who would do it: the
owner opens it and signs, the processor collects the documents, submits to funders and
records their answers and the loan, the finance clerk collects the fee, each with a
comment in Chinese. Funders reject and the order goes to another; loans are paid out
with their schedules, some instalments repaid.

Two things cannot happen in a demo built in one go, and are set up as follows:

- An order stuck in a step for days. Moves record the moment they are made (the
  history and the audit keep that), so the step times of an order meant to be late
  are set back by one conditional UPDATE of the order row (``node_entered_at``,
  ``node_due_at``: its current state, which the next move overwrites), and the real
  SLA job (``flag_overdue_orders``) then flags it and tells its handlers.
- A loan paid out months ago. The disbursement service takes the day the money left
  (past days are what a processor enters), and instalments are marked repaid on the
  day they fell due; the after-loan run then flags the one left unpaid and the loan
  nearing its end.

Idempotent: nothing is added when the firm already has 信用贷 orders.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import timezone
from PIL import Image, ImageDraw

from lenddesk.accounts.demo import DEMO_PASSWORD
from lenddesk.accounts.models import Department, Role, User, UserStatus
from lenddesk.accounts.services import user_create
from lenddesk.customers.documents import document_upload
from lenddesk.customers.models import Customer, CustomerDocument, DocumentKind
from lenddesk.orders.afterloan import afterloan_run, instalment_mark_paid
from lenddesk.orders.disbursements import add_months, disbursement_record
from lenddesk.orders.models import (
    FeeKind,
    MoveKind,
    NodeKind,
    Order,
    OrderStatus,
    Submission,
    SubmissionStatus,
    Workflow,
    WorkflowNode,
)
from lenddesk.orders.seed import seed_orders
from lenddesk.orders.services import flag_overdue_orders, may_move, order_move
from lenddesk.orders.services import order_open as open_order
from lenddesk.orders.services.sla import due_at
from lenddesk.orders.submissions import submission_create, submission_decide
from lenddesk.products.models import Product, RepaymentMethod

EI = RepaymentMethod.EQUAL_INSTALMENT.value
EP = RepaymentMethod.EQUAL_PRINCIPAL.value
IO = RepaymentMethod.INTEREST_ONLY.value
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Loan:
    """How the loan was paid out: its method, how many days ago, and its story."""

    method: str
    days_ago: int
    late: bool = False  # the last instalment that fell due is not repaid


@dataclass(frozen=True)
class Story:
    """One order: its flow and the step it has reached (``done``: completed).

    ``returned_from``: on reaching that step it is sent back one step with
    ``returned`` as the reason (and moves on again when its story goes further).
    ``rejections``: funders that said no, in turn, before the next one answers.
    ``tag`` names extra work another part of the demo does on this order.
    """

    flow: str
    stop: str
    cancel: str = ""
    late_days: int = 0
    returned_from: str = ""
    returned: str = ""
    rejections: tuple[str, ...] = ()
    loan: Loan | None = None
    amount: int | None = None
    term: int | None = None
    rate: str = ""
    tag: str = ""


CREDIT_STORIES = (
    Story("credit", "signing"),
    Story("credit", "signing", late_days=2),
    Story("credit", "documents"),
    Story("credit", "documents", late_days=1),
    Story(
        "credit",
        "prescreen",
        returned_from="prescreen",
        returned="银行流水只有近三个月，资方要求近六个月流水，请补充后再提交预审",
    ),
    Story("credit", "prescreen", late_days=1),
    Story("credit", "submission"),
    Story("credit", "approval"),
    Story("credit", "approval", rejections=("近半年征信查询9次，超过资方准入上限",)),
    Story("credit", "disbursement"),
    Story("credit", "disbursement", late_days=1),
    Story("credit", "fee", loan=Loan(EI, 3)),
    Story(
        "credit", "fee", loan=Loan(EP, 5), rejections=("负债率超过70%，资方不予受理",)
    ),
    Story("credit", "done", loan=Loan(EI, 150), term=6, tag="maturing"),
    Story("credit", "done", loan=Loan(EI, 95, late=True), term=12, tag="overdue"),
    Story("credit", "done", loan=Loan(EP, 70)),
    Story("credit", "done", loan=Loan(IO, 65)),
    Story(
        "credit",
        "done",
        loan=Loan(EI, 20),
        returned_from="prescreen",
        returned="收入证明金额与社保缴费基数不符，请让客户单位重新开具",
    ),
    Story("credit", "signing", cancel="客户已在其他机构办理，不再需要"),
    Story(
        "credit", "prescreen", cancel="征信近两年逾期6次，暂无匹配产品，客户同意暂缓"
    ),
    Story(
        "credit",
        "approval",
        rejections=("经营流水不足，不符合准入", "客户年龄超过产品上限"),
        cancel="两家资方均未通过，客户决定暂不申请",
    ),
)

# What the mover writes when the order leaves each step.
FORWARD_NOTES = {
    "signing": "客户已签署居间服务协议，服务费条款已书面确认",
    "documents": "征信报告、近六个月银行流水和收入证明已收齐",
    "appraisal": "评估报告已出，评估价符合预期",
    "prescreen": "征信、负债率已核查，资料齐全，可以进件",
    "submission": "已在资方系统提交申请，等待审批结果",
    "approval": "资方已批复，已告知客户批复额度、利率和期限",
    "bank_signing": "客户已在银行签署借款合同和抵押合同",
    "notary": "公证书已取得",
    "release": "原贷款已结清，解押手续已办结",
    "registration": "抵押登记已办结，他项权证已交银行",
    "disbursement": "款项已到客户账户，放款信息已登记",
    "fee": "服务费已到账，已开具收据",
}
AGAIN_NOTE = "已按要求补充资料，重新提交"
FILENAMES = {
    DocumentKind.ID_CARD: "身份证正反面.png",
    DocumentKind.CONTRACT: "居间服务协议.png",
    DocumentKind.INCOME_PROOF: "收入证明.png",
    DocumentKind.BANK_STATEMENT: "近六个月银行流水.png",
    DocumentKind.PROPERTY_CERTIFICATE: "不动产权证书.png",
    DocumentKind.BUSINESS_LICENCE: "营业执照.png",
}
BANKS = ("中国工商银行成都高新支行", "招商银行成都分行营业部", "交通银行西安高新支行")
STAFF = {  # when the firm has nobody in the role: who the demo takes on
    "processor": ("proc1", "周涛", "运营部", "13800138108"),
    "warrant_officer": ("warrant1", "吴刚", "运营部", "13800138109"),
    "finance": ("finance1", "孙梅", "财务部", "13800138110"),
    "general_manager": ("gm", "王建国", "", "13800138111"),
}
StepHook = Callable[[Story, Order, WorkflowNode, bool], None]


@functools.cache
def scan_png() -> bytes:
    """A small grey 'scan' of a paper: a frame, a title bar and lines of text."""
    image = Image.new("RGB", (240, 160), (246, 246, 242))
    draw = ImageDraw.Draw(image)
    draw.rectangle((6, 6, 233, 153), outline=(120, 120, 120), width=2)
    draw.rectangle((70, 16, 170, 28), fill=(150, 150, 150))
    for y in range(44, 140, 14):
        draw.line((20, y, 220 - (y % 3) * 30, y), fill=(175, 175, 175), width=3)
    draw.ellipse((170, 110, 214, 148), outline=(200, 60, 60), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def scan_upload(filename: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(filename, scan_png(), content_type="image/png")


# --- the people -----------------------------------------------------------------------


@dataclass
class Cast:
    """Who handles the demo's orders, by role."""

    processor: User
    warrant_officer: User
    finance: User
    manager: User

    def for_role(self, role_key: str, order: Order) -> User | None:
        return {
            "salesperson": order.owner,
            "processor": self.processor,
            "warrant_officer": self.warrant_officer,
            "finance": self.finance,
        }.get(role_key)

    def mover(self, order: Order) -> User:
        """The step's role holder (the players make them a participant of the order
        first); else the owner's superior, or the manager."""
        for person in (
            self.for_role(order.node.role_key, order),
            order.owner.superior,
        ):
            if person is not None and person.is_active and may_move(person, order):
                return person
        return self.manager


def person(role_key: str) -> User:
    """The firm's first active holder of the role, or a new colleague in it."""
    found = (
        User.objects.filter(roles__key=role_key, status=UserStatus.ACTIVE)
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    username, name, department, phone = STAFF[role_key]
    taken = User.objects.filter(username=username).exists()
    return user_create(
        actor=None,
        username=username + "b" if taken else username,
        display_name=name,
        password=DEMO_PASSWORD,
        role_ids=[Role.objects.get(key=role_key).pk],
        department_id=Department.objects.filter(name=department)
        .values_list("pk", flat=True)
        .first(),
        phone=phone,
    )


def demo_cast() -> Cast:
    return Cast(
        processor=person("processor"),
        warrant_officer=person("warrant_officer"),
        finance=person("finance"),
        manager=person("general_manager"),
    )


# --- customers and products -----------------------------------------------------------


def signed_customers(count: int, *, houses_first: bool) -> list[Customer]:
    """Owned customers for ``count`` orders: those with the fewest orders first
    (signed ones before the rest, house owners first for mortgages); a small demo
    firm has some of them sign more than once."""
    rank = Case(
        When(stage__key__in=("signed", "processing"), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    house = Case(
        When(has_house=houses_first, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    picked = list(
        Customer.objects.filter(owner__status=UserStatus.ACTIVE)
        .annotate(n=Count("orders"), rank=rank, house=house)
        .select_related("owner__superior")
        .order_by("n", "house", "rank", "pk")[:count]
    )
    while picked and len(picked) < count:
        picked += picked[: count - len(picked)]
    return picked


def _fits(product: Product, story: Story) -> bool:
    method = story.loan.method if story.loan else None
    term, amount = story.term, story.amount
    return (
        (method is None or method in (product.repayment_methods or []))
        and (term is None or product.term_min <= term <= product.term_max)
        and (amount is None or product.amount_min <= amount <= product.amount_max)
        and (
            not story.rate
            or product.rate_min <= Decimal(story.rate) <= product.rate_max
        )
    )


def products_for(story: Story, catalogue: list[Product], rng) -> list[Product]:
    """The main product and, for each funder that says no, one of another funder."""
    fitting = [p for p in catalogue if _fits(p, story)] or catalogue
    main = rng.choice(fitting)
    lines, funders = [main], {main.funder_id}
    others = [p for p in catalogue if p.funder_id != main.funder_id]
    rng.shuffle(others)
    for product in others:
        if len(lines) > len(story.rejections):
            break
        if product.funder_id not in funders:
            lines.append(product)
            funders.add(product.funder_id)
    return lines


def _clip(value: Decimal, low: Decimal, high: Decimal, step: int) -> Decimal:
    value = min(max(value, low), high)
    rounded = (value / step).to_integral_value(ROUND_HALF_UP) * step
    return rounded if low <= rounded <= high else value


def terms_for(story: Story, customer: Customer, product: Product, n: int) -> dict:
    """Amount and term from the customer's demand, within the product; fee terms
    of each kind in turn."""
    amount = Decimal(story.amount) if story.amount else customer.demand_amount
    amount = _clip(
        amount or product.amount_min, product.amount_min, product.amount_max, 10_000
    )
    term = story.term or customer.demand_term_months or 12
    term = min(max(term, product.term_min), product.term_max)
    fee = [
        {"fee_kind": FeeKind.RATE, "fee_rate": product.service_fee_percent or "2"},
        {"fee_kind": FeeKind.FIXED, "fee_fixed": max(product.service_fee_min, 3000)},
        {
            "fee_kind": FeeKind.TIERED,
            "fee_tiers": [
                {"up_to": "500000", "rate": "2"},
                {"up_to": "2000000", "rate": "1.5"},
                {"up_to": None, "rate": "1"},
            ],
        },
    ][n % 3]
    return {"amount": amount, "term_months": term, **fee}


# --- playing a story --------------------------------------------------------------------


class Player:
    """Plays stories through the services; ``on_step(story, order, step, stopping)``
    runs before the order leaves a step (``stopping`` False) and where it stops."""

    def __init__(self, cast: Cast, rng: random.Random, on_step: StepHook | None):
        self.cast, self.rng, self.on_step = cast, rng, on_step
        self.flows = {w.key: w for w in Workflow.objects.filter(is_active=True)}
        self.today = timezone.localdate()
        self._catalogue: dict[str, list[Product]] = {}
        self._lines: dict[int, list[Product]] = {}

    def catalogue(self, flow: str) -> list[Product]:
        if flow not in self._catalogue:
            types = self.flows[flow].product_types or ["mortgage"]  # 转贷: mortgages
            self._catalogue[flow] = list(
                Product.objects.filter(is_active=True, type__in=types)
                .select_related("funder")
                .order_by("pk")
            )
        return self._catalogue[flow]

    def play(self, story: Story, customer: Customer, n: int) -> Order:
        lines = products_for(story, self.catalogue(story.flow), self.rng)
        order = open_order(
            actor=customer.owner,
            customer=customer,
            products=lines,
            processor=self.cast.processor,
            workflow=self.flows[story.flow],
            note="客户用途：%s" % (customer.demand_purpose or "资金周转"),
            **terms_for(story, customer, lines[0], n),
        )
        self._lines[order.pk] = lines
        stop = order.version.nodes.filter(key=story.stop).first()
        if stop is None:  # the firm's admin has changed the flow: it stays signed
            return order
        again = False
        while order.node.position < stop.position:
            if order.node.key == story.returned_from and not again:
                self.move(order, MoveKind.RETURN, story.returned)
                self.move(order, MoveKind.FORWARD, AGAIN_NOTE)
                again = True
            if self.on_step is not None:
                self.on_step(story, order, order.node, False)
            self.leave(order, story)
            self.move(order, MoveKind.FORWARD, FORWARD_NOTES.get(order.node.key, ""))
        self.stop(order, story)
        return order

    def move(self, order: Order, kind: str, comment: str) -> None:
        order_move(
            actor=self.cast.mover(order), order=order, kind=kind, comment=comment
        )

    def leave(self, order: Order, story: Story) -> None:
        """The work of the step before the order moves on."""
        key = order.node.key
        if key == "signing":
            self.documents(
                order, order.owner, [DocumentKind.ID_CARD, DocumentKind.CONTRACT]
            )
        elif key == "documents":
            kinds = [DocumentKind.INCOME_PROOF, DocumentKind.BANK_STATEMENT]
            for product in self.lines(order):
                kinds += [k for k in product.required_documents if isinstance(k, str)]
            self.documents(order, self.cast.processor, kinds)
        elif key == "submission":
            submission_create(
                actor=self.cast.processor, order=order, product=self.lines(order)[0]
            )
        elif key == "approval":
            self.answer(order, story, final=True)
        elif key == "disbursement":
            self.disburse(order, story.loan or Loan(EI, 1))

    def stop(self, order: Order, story: Story) -> None:
        """Where the order stays: sent back, waiting for a funder, cancelled, late."""
        if story.returned_from == story.stop:
            self.move(order, MoveKind.RETURN, story.returned)
        elif story.stop == "approval":
            self.answer(order, story, final=False)
        if self.on_step is not None and order.status == OrderStatus.OPEN:
            # An order cancelled here had this step's work done (and it told them no).
            self.on_step(story, order, order.node, not story.cancel)
        if story.cancel:
            self.move(order, MoveKind.CANCEL, story.cancel)
        elif story.late_days:
            make_late(order, story.late_days)

    def lines(self, order: Order) -> list[Product]:
        return self._lines[order.pk]

    def documents(self, order: Order, actor: User, kinds) -> None:
        """What the funders ask for, uploaded as scans when the dossier lacks it."""
        held = set(
            CustomerDocument.objects.filter(customer_id=order.customer_id).values_list(
                "kind", flat=True
            )
        )
        for kind in dict.fromkeys(kinds):
            if kind in DocumentKind.values and kind not in held:
                document_upload(
                    actor=actor,
                    customer=order.customer,
                    kind=kind,
                    upload=scan_upload(FILENAMES.get(kind, "资料.png")),
                )

    def answer(self, order: Order, story: Story, *, final: bool) -> None:
        """Each funder that says no, the next one asked; the last one approves when
        the order goes on (else it is still waiting)."""
        lines = self.lines(order)
        submission = Submission.objects.get(
            order=order, status=SubmissionStatus.PENDING
        )
        for index, reason in enumerate(story.rejections):
            submission_decide(
                actor=self.cast.processor,
                submission=submission,
                decision=SubmissionStatus.REJECTED,
                reason=reason,
            )
            if story.cancel and index + 1 == len(story.rejections):
                return
            submission = submission_create(
                actor=self.cast.processor, order=order, product=lines[index + 1]
            )
        if final:
            self.approve(order, submission, story)

    def approve(self, order: Order, submission: Submission, story: Story) -> None:
        product = submission.product
        rate = (
            Decimal(story.rate)
            if story.rate
            else product.rate_min
            + (product.rate_max - product.rate_min)
            * Decimal(self.rng.choice(["0", "0.1", "0.2", "0.35"]))
        )
        share = Decimal(self.rng.choice(["1", "1", "1", "0.9", "0.8"]))
        amount = max((order.amount * share / 1000).to_integral_value() * 1000, CENT)
        submission_decide(
            actor=self.cast.processor,
            submission=submission,
            decision=SubmissionStatus.APPROVED,
            amount=min(amount, order.amount),
            rate=rate.quantize(CENT, ROUND_HALF_UP),
            term=order.term_months,
        )

    def disburse(self, order: Order, loan: Loan) -> None:
        """The loan paid out ``loan.days_ago`` days ago; every instalment that has
        fallen due since is repaid on its day, but for the last one of a late loan."""
        approval = (
            Submission.objects.filter(order=order, status=SubmissionStatus.APPROVED)
            .order_by("-id")
            .first()
        )
        paid_out = self.today - dt.timedelta(days=loan.days_ago)
        disbursement = disbursement_record(
            actor=self.cast.processor,
            order=order,
            amount=approval.approved_amount,
            disbursed_on=paid_out,
            first_due_on=add_months(paid_out, 1),
            annual_rate=approval.approved_rate,
            term_months=approval.approved_term,
            method=loan.method,
            account_bank=self.rng.choice(BANKS),
            account_number="6222%015d" % self.rng.randrange(10**14, 10**15),
        )
        due = list(
            disbursement.instalments.filter(due_on__lt=self.today).order_by("number")
        )
        if loan.late and due:
            due.pop()
        for instalment in due:
            instalment_mark_paid(
                actor=self.cast.finance,
                instalment=instalment,
                paid_on=instalment.due_on,
            )


def make_late(order: Order, days: int) -> None:
    """Set back when the order entered its step, so that it is ``days`` past the
    step's time limit (see the module's docstring); only if nobody moved it since."""
    node = order.node
    entered = timezone.now() - dt.timedelta(hours=(node.sla_hours or 24) + 24 * days)
    Order.objects.filter(
        pk=order.pk, lock_version=order.lock_version, status=OrderStatus.OPEN
    ).update(node_entered_at=entered, node_due_at=due_at(node, entered))


def play_stories(
    stories, *, seed: int, houses_first: bool = False, on_step: StepHook | None = None
) -> list[tuple[Story, Order]]:
    """Each story on a signed customer, then the daily jobs that flag what is late:
    steps past their time limit, instalments not repaid, loans near their end."""
    seed_orders()
    customers = signed_customers(len(stories), houses_first=houses_first)
    if not customers or not Product.objects.filter(is_active=True).exists():
        return []
    player = Player(demo_cast(), random.Random(seed), on_step)  # noqa: S311 - demo data
    played = [
        (story, player.play(story, customer, n))
        for n, (story, customer) in enumerate(zip(stories, customers, strict=True))
    ]
    flag_overdue_orders()
    afterloan_run()
    return played


def build(tenant, log) -> None:
    if Order.objects.filter(version__workflow__key="credit").exists():
        log("orders: %d (kept)" % Order.objects.count())
        return
    played = play_stories(CREDIT_STORIES, seed=20261201)
    log(
        "orders: %d on the credit flow, %d at the end, %d overdue"
        % (
            len(played),
            sum(o.node.kind == NodeKind.END for _s, o in played),
            Order.objects.filter(is_overdue=True).count(),
        )
    )
