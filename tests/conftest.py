"""Put the repository root on sys.path so tests import `pipeline` without installing the package."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from publishkit import ContentHost  # noqa: E402 - needs the path above

from pipeline.sandbox.specs import platform_fixtures  # noqa: E402


def pytest_sessionstart(session: pytest.Session) -> None:
    """The imitations check every request against the official specs in `shared/`; without them
    they would serve unchecked (as the demo may on a user's machine), so the tests refuse to run."""
    if not (platform_fixtures() / "x_openapi_v2_posting_subset.json").is_file():
        raise pytest.UsageError(f"the official specs are missing: {platform_fixtures()} (set KONTEN_SHARED_DIR)")


@pytest.fixture
def host() -> Iterator[ContentHost]:
    """The public host of items' media, as the publisher reaches it."""
    with ContentHost() as server:
        yield server  # type: ignore[misc]
