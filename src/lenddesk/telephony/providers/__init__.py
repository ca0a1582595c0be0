"""Telephony providers behind one interface (``providers.base.Provider``)."""

from lenddesk.telephony.providers.base import (
    CallRequest,
    Placed,
    Provider,
    ProviderError,
    ProviderEvent,
)

__all__ = ["CallRequest", "Placed", "Provider", "ProviderError", "ProviderEvent"]
