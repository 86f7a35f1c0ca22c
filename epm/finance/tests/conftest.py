"""The finance tests read messages in English, whatever the catalogue translates them to."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield
