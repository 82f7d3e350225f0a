"""One module per dashboard page, each with a ``render()``: layout only, the work is in ``briefings``."""
