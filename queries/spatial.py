"""Loading DuckDB's spatial extension from the PyPI package, offline."""

from functools import cache
from pathlib import Path

import duckdb


@cache
def spatial_extension_path() -> Path:
    """The ``spatial.duckdb_extension`` file shipped by ``duckdb-extension-spatial``.

    ``INSTALL spatial`` would download it, which fails without internet, so the
    file from the pinned wheel is loaded by path instead.
    """
    import duckdb_extension_spatial

    root = Path(duckdb_extension_spatial.__path__[0])
    wanted = f"v{duckdb.__version__}"
    found = sorted(root.rglob("spatial.duckdb_extension"))
    for path in found:
        if path.parent.name == wanted:
            return path
    raise RuntimeError(
        f"no spatial extension for DuckDB {duckdb.__version__} under {root} "
        f"(found {[str(p) for p in found]}); pin duckdb and duckdb-extension-spatial "
        "to the same version in requirements.txt"
    )


def load_spatial(con: duckdb.DuckDBPyConnection) -> None:
    """Load the spatial extension into ``con`` (idempotent)."""
    con.execute(f"LOAD '{spatial_extension_path()}'")
