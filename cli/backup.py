"""``python -m hotspots backup|restore`` (being written)."""


def add_parsers(sub, db_option) -> None:
    """Add ``backup`` and ``restore`` to the ``python -m hotspots`` sub-parsers."""
