"""Put the repository root on sys.path so tests import `pipeline` without installing the package."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
