"""The demo store: real police.uk rows for Dartford plus clearly labelled generated rows.

``demo.build.build_demo(path)`` builds it (``python -m hotspots demo``). Generated rows
are written as CSV files in the documented import formats and go through the real
importers with ``source = "demo-generated"``; every generated record key starts with
``DEMO-``. Calibration targets are named constants at the top of each module:
``offences``, ``asb``, ``fly_tipping``, ``fires``, ``places`` and ``timing``.
"""
