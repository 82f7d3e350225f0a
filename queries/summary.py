"""What the store holds, for ``hotspots info`` and the Data view."""

import duckdb


def store_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """Counts by layer, category, source and date precision, the date range, imports and rejected rows.

    Everything is reported per source: two sources may describe the same crimes.
    """
    q = lambda sql, params=(): con.execute(sql, list(params)).fetchall()  # noqa: E731
    total, located, first, last = q(
        "SELECT count(*), count(easting), min(occurred_at), max(occurred_at) FROM incidents"
    )[0]
    by_source = [
        {"source": s, "layer": layer, "rows": n, "located": loc, "first": str(f), "last": str(l_)}
        for s, layer, n, loc, f, l_ in q(
            "SELECT source, layer, count(*), count(easting), min(occurred_at), max(occurred_at) "
            "FROM incidents GROUP BY ALL ORDER BY source, count(*) DESC"
        )
    ]
    by_category = [
        {"source": s, "layer": layer, "category": c, "rows": n}
        for s, layer, c, n in q(
            "SELECT source, layer, category, count(*) FROM incidents GROUP BY ALL ORDER BY source, layer, count(*) DESC"
        )
    ]
    by_precision = [
        {"source": s, "date_precision": p, "rows": n}
        for s, p, n in q("SELECT source, date_precision, count(*) FROM incidents GROUP BY ALL ORDER BY source, 2")
    ]
    by_method = [
        {"source": s, "location_method": m, "rows": n}
        for s, m, n in q("SELECT source, location_method, count(*) FROM incidents GROUP BY ALL ORDER BY source, 2")
    ]
    imports = [
        dict(zip(("import_id", "file_name", "kind", "source", "within", "finished_at", "read", "accepted",
                  "rejected", "duplicate", "outside", "no_location", "sha256"), row))
        for row in q(
            "SELECT import_id, file_name, kind, source, within_area, finished_at::VARCHAR, rows_read, rows_accepted, "
            "rows_rejected, rows_duplicate, rows_outside, rows_no_location, sha256 FROM imports ORDER BY import_id"
        )
    ]
    rejected = [
        {"reason": r, "rows": n}
        for r, n in q(
            "SELECT regexp_replace(reason, '\"[^\"]*\"', '\"...\"', 'g') AS r, count(*) FROM rejected_rows "
            "GROUP BY r ORDER BY count(*) DESC LIMIT 20"
        )
    ]
    return {
        "incidents": total,
        "located": located,
        "first": None if first is None else str(first),
        "last": None if last is None else str(last),
        "by_source": by_source,
        "by_category": by_category,
        "by_precision": by_precision,
        "by_location_method": by_method,
        "imports": imports,
        "rejected_rows": q("SELECT count(*) FROM rejected_rows")[0][0],
        "rejected_by_reason": rejected,
    }
