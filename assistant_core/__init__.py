"""Everything of the research-assistant dashboard that is not page layout.

Submodules are imported lazily, so ``python -m assistant_core`` and the pages start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from assistant_core.errors import AssistantCoreError, BackendError, DataError

__all__ = [
    "AssistantCoreError",
    "BackendError",
    "DataError",
    "Dataset",
    "LocalReport",
    "check",
    "dataset_from_frame",
    "make_dataset",
    "parse_table",
    "parse_values",
    "read_csv",
]

_LAZY = {
    "Dataset": "assistant_core.data",
    "dataset_from_frame": "assistant_core.data",
    "make_dataset": "assistant_core.data",
    "parse_table": "assistant_core.data",
    "parse_values": "assistant_core.data",
    "read_csv": "assistant_core.data",
    "LocalReport": "assistant_core.stats",
    "check": "assistant_core.stats",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'assistant_core' has no attribute {name!r}")
