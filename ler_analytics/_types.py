"""Type aliases shared across the package."""

from __future__ import annotations

import os
from typing import NewType, TypeAlias

Ctid = NewType("Ctid", str)
PathLike: TypeAlias = str | os.PathLike[str]
JsonDict: TypeAlias = dict[str, object]
