"""Sample Word templates of the three contract types, written with python-docx:
the demo firm uploads them, and a firm may start from them.

Plain text with placeholders only; a firm's lawyer writes the real clauses.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from lenddesk.contracts.models import ContractKind

BROKERAGE = (
    "合同编号：{{ contract.number }}",
    "甲方（委托人）：{{ customer.name }}    证件号码：{{ customer.id_number_masked }}",
    "乙方（居间人）：{{ firm.name }}",
    "鉴于甲方拟向金融机构申请贷款，委托乙方提供贷款居间服务，双方本着平等自愿、诚实信用的原则，"
    "经协商一致，订立本合同。",
    "第一条  委托事项：甲方委托乙方协助办理{{ product.names }}的贷款申请（业务单号"
    "{{ order.number }}），申请金额人民币{{ order.amount }}元（大写：人民币{{ order.amount_words }}），"
    "期限{{ order.term_months }}个月。",
    "第二条  服务费：{{ fee.description }}，按申请金额计算的服务费为人民币{{ fee.amount }}元"
    "（大写：人民币{{ fee.amount_words }}），以实际放款金额为准，于贷款发放后支付。",
    "第三条  乙方除本合同约定的服务费外不收取其他任何费用，不承诺贷款必然获批，"
    "不以任何形式要求甲方支付保证金、押金。",
    "第四条  甲方保证向乙方提供的资料真实、完整、有效；乙方对甲方的个人信息负有保密义务，"
    "仅为本合同目的使用。",
    "第五条  本合同一式两份，甲乙双方各执一份，自双方签字（盖章）之日起生效。",
    "甲方（签字）：________________        乙方（盖章）：{{ firm.name }}",
    "经办人：{{ order.owner_name }}        签订日期：{{ today }}",
)

FEE_CONFIRMATION = (
    "编号：{{ contract.number }}",
    "本人{{ customer.name }}（证件号码：{{ customer.id_number_masked }}）确认：",
    "经{{ firm.name }}居间服务，本人申请的{{ product.names }}贷款（业务单号{{ order.number }}）"
    "已办理。按双方约定，{{ fee.description }}，本人应支付服务费人民币{{ fee.amount }}元"
    "（大写：人民币{{ fee.amount_words }}）。",
    "本人确认上述服务费金额无误，并同意按约定支付。",
    "确认人（签字）：________________        日期：{{ today }}",
)

CREDIT_AUTHORISATION = (
    "编号：{{ contract.number }}",
    "授权人：{{ customer.name }}        身份证号码：{{ customer.id_number }}",
    "被授权人：{{ firm.name }}",
    "本人同意并授权被授权人及其合作的金融机构（{{ product.funders }}），为审核本人贷款申请"
    "（业务单号{{ order.number }}）之目的，向中国人民银行金融信用信息基础数据库及其他依法设立的"
    "征信机构查询、打印、保存本人的信用报告。",
    "本授权有效期至{{ contract.valid_until }}。被授权人查询所得信息仅用于上述目的，不得向第三方提供。",
    "本人已仔细阅读并知悉本授权书条款的含义及相应的法律后果。",
    "授权人（签字）：________________        日期：{{ today }}",
)

SAMPLES = {
    ContractKind.BROKERAGE: ("居间服务合同", BROKERAGE),
    ContractKind.FEE_CONFIRMATION: ("服务费确认书", FEE_CONFIRMATION),
    ContractKind.CREDIT_AUTHORISATION: ("征信查询授权书", CREDIT_AUTHORISATION),
}


def sample_docx(kind: str, extra: tuple[str, ...] = ()) -> bytes:
    """The sample template of ``kind`` as .docx bytes (``extra`` paragraphs are
    appended: tests use them)."""
    title, paragraphs = SAMPLES[kind]
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.font.size = Pt(11)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(16)
    for text in (*paragraphs, *extra):
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
