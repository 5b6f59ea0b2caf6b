"""Settings: the only module that reads environment variables.

Precedence: explicit argument, then environment, then default. The API key is never logged or
written anywhere; ``repr(Settings)`` hides it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_REGISTRY_URL = "https://credentialengineregistry.org"
DEFAULT_ASSISTANT_URL = "https://apps.credentialengine.org/assistant"


def default_data_dir() -> Path:
    """Where data lives by default.

    ``LER_DATA_DIR`` if set; else ``data/`` of the source checkout when working inside one (notebooks and
    dashboards run with their own folder as working directory); else ``./data``.
    """
    env = os.environ.get("LER_DATA_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file() and Path.cwd().resolve().is_relative_to(checkout):
        return checkout / "data"
    return Path("data")


def _read_key_file() -> str | None:
    path = Path.home() / ".config" / "ler_analytics" / "api_key"
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


@dataclass(frozen=True)
class Settings:
    """Runtime settings for ler_analytics.

    Attributes:
        data_dir: where snapshots and the demo twin live (``LER_DATA_DIR``; default: see :func:`default_data_dir`).
        registry_url: Registry base URL (``LER_REGISTRY_URL``).
        registry_api_key: API key (``LER_REGISTRY_API_KEY`` or ``~/.config/ler_analytics/api_key``).
        assistant_url: Assistant search base URL (``LER_ASSISTANT_URL``).
    """

    data_dir: Path = field(default_factory=default_data_dir)
    registry_url: str = field(default_factory=lambda: os.environ.get("LER_REGISTRY_URL", DEFAULT_REGISTRY_URL))
    registry_api_key: str | None = field(
        default_factory=lambda: os.environ.get("LER_REGISTRY_API_KEY") or _read_key_file(), repr=False
    )
    assistant_url: str = field(
        default_factory=lambda: os.environ.get("LER_ASSISTANT_URL", DEFAULT_ASSISTANT_URL)
    )

    @property
    def demo_dir(self) -> Path:
        """Default location of the demo twin snapshot."""
        return self.data_dir / "demo"

    @property
    def snapshots_dir(self) -> Path:
        """Default parent folder of harvested snapshots."""
        return self.data_dir / "snapshots"


def get_settings() -> Settings:
    """Return settings read from the environment now."""
    return Settings()
