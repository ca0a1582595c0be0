"""Word templates: checking an upload, finding its placeholders, rendering it.

An uploaded template is untrusted: it must be a plain .docx (a ZIP with a Word main
document, no VBA project, no macro-enabled content type, no links that would make
LibreOffice fetch outside files), and it is rendered by Jinja2's sandbox with every
value escaped, so a template can neither run code nor break the document's XML.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from django.utils.translation import gettext as _
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from lenddesk.contracts.errors import ContractError, refusal

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_ENTRIES = 2000
MAIN_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
_MACRO_MARKS = ("vbaproject", "vbadata", "macroenabled", "ms-office.vba")
_EXTERNAL = re.compile(r"<Relationship\b[^>]*>", re.IGNORECASE)
# What a damaged package raises while it is unpacked or parsed (lxml's syntax
# errors are SyntaxErrors).
_DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,
    EOFError,
    KeyError,
    ValueError,
    SyntaxError,
    PackageNotFoundError,
)


# What a contract template may do besides printing placeholders: conditions and a
# few text filters. No loops, calls, arithmetic, macros or assignments: the catalogue
# holds only single values, and those would let a template run for ever or build
# huge strings.
SAFE_FILTERS = ("default", "d", "upper", "lower", "trim", "title", "capitalize")
SAFE_TESTS = ("defined", "undefined", "none", "string", "number")
ALLOWED_NODES = (
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
    nodes.Filter,
    nodes.Test,
)

CONSTRUCTS = {
    "For": "{% for %}",
    "Assign": "{% set %}",
    "Macro": "{% macro %}",
    "Call": "()",
    "Mul": "*",
    "Pow": "**",
}


def sandbox() -> SandboxedEnvironment:
    """Jinja2's sandbox, escaping every value for the XML it lands in, with no
    globals (``range``, ``lipsum`` …) and only the safe filters and tests."""
    environment = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    environment.globals = {}
    environment.filters = {n: environment.filters[n] for n in SAFE_FILTERS}
    environment.tests = {n: environment.tests[n] for n in SAFE_TESTS}
    return environment


def check_docx(data: bytes, filename: str) -> None:
    """Refuse (naming the field ``file``) anything but a plain Word document."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "docm":
        raise refusal(
            "file",
            _(
                "Macro-enabled documents (.docm) are not accepted: save the template as a .docx without macros."
            ),
            ContractError.MACRO,
        )
    if extension != "docx":
        raise refusal(
            "file", _("Upload a Word document (.docx)."), ContractError.NOT_DOCX
        )
    if len(data) > MAX_TEMPLATE_BYTES:
        raise refusal(
            "file",
            _("The template is larger than 5 MB."),
            ContractError.TEMPLATE_INVALID,
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive)
    except _DAMAGED:
        raise _not_word() from None


def _not_word():
    return refusal(
        "file", _("This file is not a Word document (.docx)."), ContractError.NOT_DOCX
    )


def _check_archive(archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    if (
        len(entries) > MAX_ENTRIES
        or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES
    ):
        raise refusal(
            "file",
            _("The document unpacks to too much data."),
            ContractError.TEMPLATE_INVALID,
        )
    names = {e.filename.lower() for e in entries}
    if "[content_types].xml" not in names or "word/document.xml" not in names:
        raise _not_word()
    types = archive.read("[Content_Types].xml").decode("utf-8", "replace").lower()
    if any(mark in name for name in names for mark in _MACRO_MARKS) or any(
        mark in types for mark in _MACRO_MARKS
    ):
        raise refusal(
            "file",
            _(
                "The template contains macros (VBA). Save it as a plain Word document (.docx) without macros."
            ),
            ContractError.MACRO,
        )
    if MAIN_TYPE.lower() not in types:
        raise _not_word()
    for name in names:
        if name.endswith(".rels") and _links_outside(
            archive.read(_original(archive, name))
        ):
            raise refusal(
                "file",
                _(
                    "The template links to files outside the document; embed them instead."
                ),
                ContractError.TEMPLATE_INVALID,
            )


def _original(archive: zipfile.ZipFile, lowered: str) -> str:
    return next(n for n in archive.namelist() if n.lower() == lowered)


def _links_outside(rels: bytes) -> bool:
    """An external relationship other than a hyperlink (a linked image, an attached
    template on a server) would be fetched when the document is converted."""
    for tag in _EXTERNAL.findall(rels.decode("utf-8", "replace")):
        if 'targetmode="external"' in tag.lower() and not re.search(
            r'type="[^"]*/hyperlink"', tag, re.IGNORECASE
        ):
            return True
    return False


def _open(data: bytes) -> DocxTemplate:
    try:
        template = DocxTemplate(io.BytesIO(data))
        template.init_docx()
    except _DAMAGED:
        raise _not_word() from None
    return template


def _sources(template: DocxTemplate) -> list[str]:
    """The Jinja2 source of the body, the headers and footers and the document
    properties, as docxtpl renders them."""
    document = template.docx
    sources = [template.patch_xml(template.xml_to_string(document._element.body))]
    for relation in document._part.rels.values():
        if relation.reltype in (template.HEADER_URI, template.FOOTER_URI):
            blob = relation.target_part.blob
            if blob:
                sources.append(template.patch_xml(blob.decode("utf-8", "replace")))
    properties = document.core_properties
    for name in ("author", "comments", "identifier", "language", "subject", "title"):
        sources.append(getattr(properties, name) or "")
    return sources


def placeholders_of(data: bytes) -> list[str]:
    """The dotted names (``customer.name``) the template uses, found from docxtpl's
    undeclared variables and the expressions that read them."""
    template = _open(data)
    environment = sandbox()
    try:
        roots = template.get_undeclared_template_variables(jinja_env=environment)
        found: set[str] = set()
        for source in _sources(template):
            tree = environment.parse(source)
            _check_constructs(tree)
            found |= _dotted_names(tree, roots)
    except TemplateError as exc:
        raise refusal(
            "file",
            _("The template's placeholders cannot be read: %(error)s")
            % {"error": _jinja_message(exc)},
            ContractError.TEMPLATE_INVALID,
        ) from None
    except _DAMAGED:
        raise _not_word() from None
    return sorted(
        found | {r for r in roots if not any(f.startswith(r + ".") for f in found)}
    )


def _jinja_message(exc: TemplateError) -> str:
    """The parser's own words, without the traceback lines it appends."""
    return (getattr(exc, "message", None) or str(exc)).splitlines()[0][:200]


def _check_constructs(tree) -> None:
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED_NODES):
            raise refusal(
                "file",
                _(
                    "The template uses %(what)s, which contract templates may not: "
                    "only placeholders, if-conditions and the filters %(filters)s."
                )
                % {
                    "what": CONSTRUCTS.get(type(node).__name__, type(node).__name__),
                    "filters": ", ".join(SAFE_FILTERS),
                },
                ContractError.TEMPLATE_INVALID,
            )


def _dotted_names(tree, roots: set[str]) -> set[str]:
    inner = {id(n.node) for n in tree.find_all((nodes.Getattr, nodes.Getitem))}
    names = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        if id(node) in inner:
            continue
        name = _dotted(node)
        if name and name.split(".", 1)[0].split("[", 1)[0] in roots:
            names.add(name)
    return names


def _dotted(node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name if node.ctx == "load" else None
    base = _dotted(node.node)
    if base is None:
        return None
    if isinstance(node, nodes.Getattr):
        return "%s.%s" % (base, node.attr)
    if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return "%s.%s" % (base, node.arg.value)
    return "%s[…]" % base


def render_docx(data: bytes, context: dict) -> bytes:
    template = _open(data)
    try:
        template.render(context, jinja_env=sandbox())
    except TemplateError as exc:
        raise refusal(
            None,
            _("The template could not be filled in: %(error)s")
            % {"error": _jinja_message(exc)},
            ContractError.RENDER_FAILED,
        ) from None
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
