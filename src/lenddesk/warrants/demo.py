"""Demo of the warrant centre (权证中心): the 抵押贷 and 转贷 orders, played like the
信用贷 ones (``orders.demo``) with the warrant work their steps need, through the
real services.

The warrant officer receives the originals when the documents are collected, each
warrant step is an appointment done with its certificate number before the officer
moves the order on, and the orders waiting at a warrant step have theirs booked this
week or next. On the custody register: a property certificate out for registration,
one out to the processor and overdue, one checked out and back, and the papers of a
cancelled order returned to the customer against a signed receipt (a scan).

The overdue check-out: the register never changes a row, so a paper that left days
ago is recorded late (补录), as a clerk would, through the check-out service's
``recorded_late`` (a due-back time already past is then allowed).

Idempotent: nothing is added when the firm has warrant tasks or mortgage orders.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from lenddesk.customers.models import Customer
from lenddesk.orders import demo as orders_demo
from lenddesk.orders.demo import EI, EP, IO, Cast, Loan, Story
from lenddesk.orders.models import Order, WorkflowNode
from lenddesk.warrants.models import (
    CustodyItem,
    OriginalKind,
    WarrantKind,
    WarrantStatus,
    WarrantTask,
)
from lenddesk.warrants.services import (
    Original,
    custody_check_in,
    custody_check_out,
    custody_receive,
    custody_return,
    notify_overdue_checkouts,
    warrant_task_create,
    warrant_task_update,
)

MORTGAGE_STORIES = (
    Story("mortgage", "signing"),
    Story("mortgage", "documents"),
    Story("mortgage", "appraisal"),
    Story("mortgage", "appraisal", late_days=1),
    Story("mortgage", "prescreen"),
    Story("mortgage", "submission"),
    Story(
        "mortgage",
        "approval",
        rejections=("抵押物所在区域不在资方准入范围内",),
    ),
    Story("mortgage", "bank_signing", tag="late"),
    Story("mortgage", "notary"),
    Story("mortgage", "registration", tag="out"),
    Story("mortgage", "disbursement", tag="cycle"),
    Story("mortgage", "fee", loan=Loan(IO, 4)),
    Story(
        "mortgage",
        "done",
        loan=Loan(EI, 100),
        amount=300_000,
        term=36,
        rate="4.2",
    ),
    Story(
        "mortgage",
        "done",
        loan=Loan(EP, 120),
        rejections=("客户名下另有两笔经营贷未结清",),
    ),
    Story(
        "mortgage",
        "appraisal",
        cancel="评估价比客户预期低三成，客户放弃办理",
        tag="return",
    ),
    Story("refinance", "release"),
    Story("refinance", "done", loan=Loan(EI, 30)),
)
TASK_OF = {
    "appraisal": WarrantKind.APPRAISAL,
    "notary": WarrantKind.NOTARY,
    "registration": WarrantKind.MORTGAGE_REGISTRATION,
    "release": WarrantKind.RELEASE,
}
NOTES = {
    WarrantKind.APPRAISAL: "约评估师上门勘察，需客户在家开门",
    WarrantKind.NOTARY: "夫妻双方携身份证、户口本、结婚证原件到场",
    WarrantKind.MORTGAGE_REGISTRATION: "携抵押合同、不动产权证书原件，银行客户经理同去",
    WarrantKind.RELEASE: "原贷款结清后，携结清证明办理解押",
}
PROVINCE = {
    "成都": "川",
    "重庆": "渝",
    "西安": "陕",
    "武汉": "鄂",
    "长沙": "湘",
    "郑州": "豫",
    "杭州": "浙",
    "苏州": "苏",
}


def _province(customer: Customer) -> str:
    return PROVINCE.get(customer.city, "粤")


def _city(customer: Customer) -> str:
    return customer.city or "成都"


def _place(kind: str, customer: Customer) -> str:
    city = _city(customer)
    if kind == WarrantKind.APPRAISAL:
        return "%s市客户房产现场（世联评估）" % city
    if kind == WarrantKind.NOTARY:
        return "%s市公证处" % city
    return "%s市不动产登记中心" % city


class WarrantWork:
    """The warrant officer's part of each mortgage order (``on_step`` of the
    player): originals received with the documents, each warrant step done with its
    certificate, the steps where orders wait booked this week or next."""

    def __init__(self, cast: Cast, rng: random.Random):
        self.cast, self.rng = cast, rng
        self.officer = cast.warrant_officer
        self.booked = 0
        self.today = timezone.localdate()
        self.monday = self.today - dt.timedelta(days=self.today.weekday())

    def __call__(
        self, story: Story, order: Order, node: WorkflowNode, stopping: bool
    ) -> None:
        if node.key == "documents" and not stopping:
            self.receive(order)
        kind = TASK_OF.get(node.key)
        if kind is None:
            return
        # The processor books the appraiser; the officer arranges the rest himself.
        booker = self.cast.processor if kind == WarrantKind.APPRAISAL else self.officer
        when = self.booking() if stopping else self.past(story, order, node)
        task = warrant_task_create(
            actor=booker,
            order=order,
            kind=kind,
            handler=self.officer,
            appointment_at=when,
            place=_place(kind, order.customer),
            note=NOTES[kind],
        )
        if not stopping:
            warrant_task_update(
                actor=self.officer,
                task=task,
                lock_version=task.lock_version,
                changes={
                    "status": WarrantStatus.DONE,
                    "certificate_number": self.certificate(kind, order.customer),
                },
            )

    def _at(self, day: dt.date) -> dt.datetime:
        hour = self.rng.choice([9, 10, 14, 15])
        clock = dt.time(hour, self.rng.choice([0, 30]))
        return timezone.make_aware(dt.datetime.combine(day, clock))

    def booking(self) -> dt.datetime:
        """This week and next in turn: a working day of this week still ahead (or
        today), any working day of next week."""
        week = self.booked % 2
        self.booked += 1
        if week == 0:
            days = [
                self.monday + dt.timedelta(days=n)
                for n in range(5)
                if self.monday + dt.timedelta(days=n) >= self.today
            ]
            return self._at(self.rng.choice(days) if days else self.today)
        return self._at(self.monday + dt.timedelta(days=7 + self.rng.randrange(5)))

    def past(self, story: Story, order: Order, node: WorkflowNode) -> dt.datetime:
        """Before the loan was paid out, two days per step still to go (and a few
        more for some orders than others)."""
        days = story.loan.days_ago if story.loan else 0
        days += 2 * (12 - node.position) + order.pk % 5
        return self._at(self.today - dt.timedelta(days=days))

    def certificate(self, kind: str, customer: Customer) -> str:
        year, n = self.today.year, self.rng.randrange(100, 99_999)
        if kind == WarrantKind.APPRAISAL:
            return "世联评字[%d]第%04d号" % (year, n % 10_000)
        if kind == WarrantKind.NOTARY:
            return "(%d)%s证字第%05d号" % (year, _province(customer), n)
        if kind == WarrantKind.RELEASE:
            return "JY%d-%05d" % (year, n)
        return "%s(%d)%s市不动产证明第%07d号" % (
            _province(customer),
            year,
            _city(customer),
            n * 37,
        )

    def receive(self, order: Order) -> None:
        customer = order.customer
        number = "%s(%d)%s市不动产权第%07d号" % (
            _province(customer),
            self.today.year - self.rng.randrange(2, 9),
            _city(customer),
            self.rng.randrange(10_000, 9_999_999),
        )
        custody_receive(
            actor=self.officer,
            order=order,
            originals=[
                Original(OriginalKind.PROPERTY_CERTIFICATE, customer.name, number),
                Original(OriginalKind.HOUSEHOLD_REGISTER, customer.name),
            ],
            received_from="%s（本人）" % customer.name,
            location="权证室保险柜A-%02d" % self.rng.randrange(1, 13),
        )


def _certificate(order: Order) -> CustodyItem:
    return CustodyItem.objects.get(order=order, kind=OriginalKind.PROPERTY_CERTIFICATE)


def _custody(cast: Cast, tag: str, order: Order) -> None:
    """What the register shows besides papers lying in the safe."""
    officer, now = cast.warrant_officer, timezone.now()
    if tag == "out":
        custody_check_out(
            actor=officer,
            item=_certificate(order),
            to=officer,
            reason="送不动产登记中心办理抵押登记",
            due_back_at=now + dt.timedelta(days=2),
        )
    elif tag == "cycle":
        item = _certificate(order)
        custody_check_out(
            actor=officer,
            item=item,
            to=officer,
            reason="送不动产登记中心办理抵押登记",
            due_back_at=now + dt.timedelta(days=1),
        )
        custody_check_in(actor=officer, item=item, reason="抵押登记办结，产证归档")
    elif tag == "late":
        _late_check_out(cast, _certificate(order), now)
    elif tag == "return":
        _return_all(cast, order)


def _late_check_out(cast: Cast, item: CustodyItem, now: dt.datetime) -> None:
    """Recorded late (see the module's docstring): out three days, due back
    yesterday, with the processor."""
    left = timezone.localtime(now - dt.timedelta(days=3)).strftime("%m月%d日")
    custody_check_out(
        actor=cast.warrant_officer,
        item=item,
        to=cast.processor,
        reason="带往银行面签核验原件（补录：%s借出）" % left,
        due_back_at=now - dt.timedelta(days=1),
        recorded_late=True,
    )


def _return_all(cast: Cast, order: Order) -> None:
    """The papers of a cancelled order back to the customer: one signed receipt."""
    scan = None
    for item in CustodyItem.objects.filter(order=order).order_by("pk"):
        entry = custody_return(
            actor=cast.warrant_officer,
            item=item,
            returned_to=order.customer.name,
            upload=None if scan else orders_demo.scan_upload("原件退还签收单.png"),
            document_id=scan,
            note="客户取消办理，原件退还本人",
        )
        scan = entry.receipt_scan_id


def build(tenant, log) -> None:
    mortgages = Order.objects.filter(
        version__workflow__key__in=("mortgage", "refinance")
    )
    if WarrantTask.objects.exists() or mortgages.exists():
        log("warrant tasks: %d (kept)" % WarrantTask.objects.count())
        return
    cast = orders_demo.demo_cast()
    work = WarrantWork(cast, random.Random(20261202))  # noqa: S311 - demo data
    played = orders_demo.play_stories(
        MORTGAGE_STORIES, seed=20261203, houses_first=True, on_step=work
    )
    for story, order in played:
        if story.tag:
            _custody(cast, story.tag, order)
    notify_overdue_checkouts()
    log(
        "mortgage orders: %d, warrant tasks: %d, originals in custody: %d"
        % (len(played), WarrantTask.objects.count(), CustodyItem.objects.count())
    )
