import pytest

from lenddesk.security.crypto import forget_data_keys


@pytest.fixture(autouse=True)
def _no_cached_data_keys():
    """Each test starts without unwrapped keys from an earlier test's firms."""
    forget_data_keys()
    yield
    forget_data_keys()
