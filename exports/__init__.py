"""What leaves the dashboard: maps and tables for meetings, packs, and the disclosure rules they follow."""
