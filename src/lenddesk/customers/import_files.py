"""Reading an uploaded spreadsheet safely: size, zip-bomb and path checks before any
parser runs, UTF-8 or GB18030 CSV, every cell bounded (an error names its row and
column), and the file kept encrypted with the firm's data key, read back only by the
import itself and its error report."""

from __future__ import annotations

import base64
import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lenddesk.customers.models import ImportJob
from lenddesk.security.crypto import decrypt, encrypt

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_ZIP_ENTRIES = 200
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
# The longest value a customer field holds (credit notes); a longer cell is refused
# with the whole file, naming its row and column.
MAX_CELL = 2000
# Python's csv module stops at 131,072 characters a field with an error naming
# neither row nor column; the file size cap bounds a field instead, and MAX_CELL
# then answers with the row and column. (Process-wide; it only raises the limit.)
csv.field_size_limit(MAX_BYTES)


def _storage_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "private" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _aad(tenant_id: int, stored_name: str) -> str:
    return "%d|import|%s" % (tenant_id, stored_name)


def check_xlsx(data: bytes) -> None:
    """Refuse zip bombs, path tricks and oversized workbooks before any parser runs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationError({"file": _("This is not a valid .xlsx file.")}) from exc
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ValidationError({"file": _("The workbook has too many parts.")})
    total = 0
    for entry in entries:
        if entry.filename.startswith("/") or ".." in entry.filename.split("/"):
            raise ValidationError({"file": _("The workbook contains an unsafe path.")})
        total += entry.file_size
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
            raise ValidationError(
                {"file": _("The workbook expands too much to be a real spreadsheet.")}
            )
    if total > MAX_UNCOMPRESSED:
        raise ValidationError({"file": _("The workbook is too large.")})
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names or not any(
        n.startswith("xl/") for n in names
    ):
        raise ValidationError({"file": _("This is not a valid .xlsx file.")})


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        {"file": _("The CSV file is neither UTF-8 nor GB18030 text.")}
    )


def read_rows(data: bytes, kind: str) -> Iterator[list[str]]:
    """Every row as a list of strings (the first is the header row)."""
    if kind == "csv":
        reader = csv.reader(io.StringIO(_decode_csv(data)))
        try:
            for row in reader:
                yield [cell.strip() for cell in row]
        except csv.Error as exc:
            raise ValidationError(
                {
                    "file": _(
                        "Line %(line)d of the CSV file could not be read: %(why)s"
                    )
                    % {"line": reader.line_num, "why": exc}
                }
            ) from exc
        return
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = workbook.get_sheet_by_index(0)
    for row in sheet.iter_rows():
        yield [
            value.strip() if value.__class__ is str else _cell(value) for value in row
        ]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def scan(data: bytes, kind: str) -> tuple[list[str], int]:
    """The header row and the number of rows after it; the whole file is refused when
    it is empty, too long, unreadable or holds a cell longer than ``MAX_CELL``."""
    rows = read_rows(data, kind)
    try:
        headers = next(rows)
        _check_cells(headers, headers, 1)
        total = 0
        for total, row in enumerate(rows, start=1):
            if total > MAX_ROWS:
                raise ValidationError(
                    {"file": _("At most %d rows per import.") % MAX_ROWS}
                )
            _check_cells(row, headers, total + 1)
    except StopIteration:
        raise ValidationError({"file": _("The file is empty.")}) from None
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(
            {"file": _("The file could not be read: %s") % type(exc).__name__}
        ) from exc
    if total == 0:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    return headers, total


def _check_cells(row: list[str], headers: list[str], row_no: int) -> None:
    for index, cell in enumerate(row):
        if len(cell) > MAX_CELL:
            header = headers[index] if index < len(headers) else ""
            raise ValidationError(
                {
                    "file": _(
                        "Row %(row)d, column %(column)s: a cell holds at most "
                        "%(n)d characters (this one has %(length)d)."
                    )
                    % {
                        "row": row_no,
                        "column": _column_name(index, header[:40]),
                        "n": MAX_CELL,
                        "length": len(cell),
                    }
                }
            )


def _column_name(index: int, header: str) -> str:
    """``B (手机)``: the spreadsheet letter, and the header when it has one."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return "%s (%s)" % (letters, header) if header else letters


def store_file(data: bytes, tenant_id: int, stored_name: str) -> None:
    blob = encrypt(base64.b64encode(data).decode(), aad=_aad(tenant_id, stored_name))
    (_storage_dir() / stored_name).write_bytes(blob)


def load_file(job: ImportJob) -> bytes:
    blob = (_storage_dir() / job.stored_name).read_bytes()
    return base64.b64decode(decrypt(blob, aad=_aad(job.tenant_id, job.stored_name)))
