"""The monthly report's page → PDF through LibreOffice headless, as contracts make
theirs (``contracts.pdf``: its own folder and profile, its own process group, killed
past the time limit). The HTML is opened with Writer's HTML import (``--infilter``):
plain ``--convert-to pdf`` would take Writer/Web's export, which begins with an empty
page."""

from __future__ import annotations

import tempfile
from pathlib import Path

from lenddesk.contracts.pdf import MAX_PDF_BYTES, PdfResult, run_soffice, soffice_path
from lenddesk.performance.models import ReportPdfState


def html_to_pdf(html: str) -> PdfResult:
    soffice = soffice_path()
    if soffice is None:
        return PdfResult(ReportPdfState.UNAVAILABLE)
    with tempfile.TemporaryDirectory(prefix="lenddesk-report-") as work:
        folder = Path(work)
        source = folder / "report.html"
        source.write_text(html, encoding="utf-8")
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "-env:UserInstallation=%s" % (folder / "profile").as_uri(),
            "--infilter=HTML (StarWriter)",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(folder),
            str(source),
        ]
        if not run_soffice(command, folder):
            return PdfResult(ReportPdfState.FAILED)
        target = folder / "report.pdf"
        if not target.is_file() or not 0 < target.stat().st_size <= MAX_PDF_BYTES:
            return PdfResult(ReportPdfState.FAILED)
        return PdfResult(ReportPdfState.READY, target.read_bytes())
