"""hcpcs: an offline reference for HCPCS Level II codes.

The library core (records, catalog, search, compare, release import) imports neither typer nor rich:

>>> from hcpcs_cli import Catalog
>>> Catalog().get("H2028").record.unit
'per 15 minutes'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "Entry",
    "Record",
    "Official",
    "Store",
    "read_release",
    "__version__",
]

if TYPE_CHECKING:
    from .catalog import Catalog, Entry
    from .records import Record
    from .release import Official, read_release
    from .store import Store

_LAZY = {
    "Catalog": "catalog",
    "Entry": "catalog",
    "Record": "records",
    "Official": "release",
    "Store": "store",
    "read_release": "release",
}


def __getattr__(name: str) -> Any:
    # Lazy so that `import hcpcs_cli` (and the CLI's start-up) pays only for what it uses.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hcpcs_cli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)
