"""DOCX → PDF through LibreOffice headless (``soffice --convert-to pdf``).

Each conversion runs in its own temporary folder with its own LibreOffice profile
(two conversions at once would otherwise fight over one), in a process group of its
own that is killed when it runs past ``TIMEOUT_SECONDS``: a request never waits
forever. Where LibreOffice is not installed the PDF is reported unavailable and the
DOCX is still made.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lenddesk.contracts.models import PdfState

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 90
MAX_PDF_BYTES = 30 * 1024 * 1024


@dataclass(frozen=True)
class PdfResult:
    state: str
    data: bytes = b""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice_path() is not None


def docx_to_pdf(docx: bytes) -> PdfResult:
    soffice = soffice_path()
    if soffice is None:
        return PdfResult(PdfState.UNAVAILABLE)
    with tempfile.TemporaryDirectory(prefix="lenddesk-contract-") as work:
        folder = Path(work)
        source = folder / "contract.docx"
        source.write_bytes(docx)
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "-env:UserInstallation=%s" % (folder / "profile").as_uri(),
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        if not run_soffice(command, folder):
            return PdfResult(PdfState.FAILED)
        target = folder / "contract.pdf"
        if not target.is_file() or not 0 < target.stat().st_size <= MAX_PDF_BYTES:
            logger.warning("soffice produced no usable PDF")
            return PdfResult(PdfState.FAILED)
        return PdfResult(PdfState.READY, target.read_bytes())


def run_soffice(command: list[str], folder: Path) -> bool:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
    }
    process = subprocess.Popen(  # noqa: S603 - a fixed command, no shell
        command,
        cwd=folder,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        process.wait(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        logger.warning("soffice ran past %d s; killed", TIMEOUT_SECONDS)
        _kill_group(process)
        return False
    if process.returncode != 0:
        logger.warning("soffice exited with %s", process.returncode)
        return False
    return True


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
