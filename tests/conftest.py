"""Put the repository root on sys.path so tests import `pipeline` without installing the package."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from publishkit import ContentHost  # noqa: E402 - needs the path above


@pytest.fixture
def host() -> Iterator[ContentHost]:
    """The public host of items' media, as the publisher reaches it."""
    with ContentHost() as server:
        yield server  # type: ignore[misc]
