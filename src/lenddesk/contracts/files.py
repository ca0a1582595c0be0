"""Where template and contract files live (``security.sealed_files``): encrypted with
the firm's data key in the private media folder, read back only through the services
that audit the download."""

from lenddesk.security.sealed_files import SealedFolder, StoredFile

FOLDER = SealedFolder("contracts", "contract")
store = FOLDER.store
load = FOLDER.load

__all__ = ["StoredFile", "load", "store"]
