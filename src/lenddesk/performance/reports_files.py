"""Where the monthly reports' PDFs live (``security.sealed_files``, as contracts keep
theirs), read back only through the report's download page."""

from lenddesk.security.sealed_files import SealedFolder, StoredFile

FOLDER = SealedFolder("reports", "monthly_report")
store = FOLDER.store
load = FOLDER.load

__all__ = ["StoredFile", "load", "store"]
