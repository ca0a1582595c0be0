"""Contract writes. Other apps import from here."""

from lenddesk.contracts.services.contracts import (
    contract_file,
    contract_generate,
    contract_regenerate,
    contract_send,
    contract_sign,
    contract_void,
)
from lenddesk.contracts.services.templates import setting_update, template_upload

__all__ = [
    "contract_file",
    "contract_generate",
    "contract_regenerate",
    "contract_send",
    "contract_sign",
    "contract_void",
    "setting_update",
    "template_upload",
]
