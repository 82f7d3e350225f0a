"""Everything that knows SQL: importing files into the DuckDB store and reading filtered frames out of it."""
