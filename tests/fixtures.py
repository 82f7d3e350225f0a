"""Paths to the real shared data used by tests and benchmarks (never read by the product)."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
POLICE_UK = SHARED / "police_uk"
KENT_MONTH = POLICE_UK / "kent_full_month" / "2024-01-kent-street.csv"
DARTFORD_GRAVESHAM = POLICE_UK / "dartford_gravesham"
