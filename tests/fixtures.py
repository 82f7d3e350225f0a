"""Paths to the real shared data used by tests and benchmarks (never read by the product)."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
POLICE_UK = SHARED / "police_uk"
KENT_MONTH = POLICE_UK / "kent_full_month" / "2024-01-kent-street.csv"
DARTFORD_GRAVESHAM = POLICE_UK / "dartford_gravesham"


def repeated_kent_rows(path, rows: int):
    """The real Kent rows of KENT_MONTH repeated to ``rows`` rows (distinct Crime IDs, months spread
    over 2023), CRLF as published: a large real-looking police.uk file for the kill tests."""
    lines = KENT_MONTH.read_bytes().decode().split("\r\n")
    header, body = lines[0], [line for line in lines[1:] if line]
    with open(path, "w", newline="") as f:
        f.write(header + "\r\n")
        for i in range(rows):
            fields = body[i % len(body)].split(",")
            if fields[0]:
                fields[0] = f"{i:064x}"
            fields[1] = f"2023-{(i // len(body)) % 12 + 1:02d}"
            f.write(",".join(fields) + "\r\n")
    return path
