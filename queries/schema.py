"""The store's schema, as an ordered list of migrations.

Each migration runs once, in its own transaction, and bumps ``schema_version``.
Never edit a migration that has shipped: add a new one.
"""

LAYERS = ("offence", "asb", "fly-tipping", "fire")
DATE_PRECISIONS = ("month", "day", "minute")
LOCATION_METHODS = ("coordinates", "postcode", "snap-point", "none")

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "incidents, imports and rejected rows",
        """
        CREATE SEQUENCE import_id_seq START 1;

        CREATE TABLE imports (
            import_id        INTEGER PRIMARY KEY,
            file_name        VARCHAR NOT NULL,
            sha256           VARCHAR NOT NULL,
            kind             VARCHAR NOT NULL,
            source           VARCHAR NOT NULL,
            within_area      VARCHAR NOT NULL,
            started_at       TIMESTAMP NOT NULL,
            finished_at      TIMESTAMP NOT NULL,
            rows_read        BIGINT NOT NULL,
            rows_accepted    BIGINT NOT NULL,
            rows_rejected    BIGINT NOT NULL,
            rows_duplicate   BIGINT NOT NULL,
            rows_outside     BIGINT NOT NULL,
            rows_no_location BIGINT NOT NULL,
            notes            VARCHAR
        );

        -- One row per incident from any source. Kept ordered by occurred_at so
        -- DuckDB's zone maps prune row groups on time filters.
        CREATE TABLE incidents (
            layer            VARCHAR NOT NULL,
            category         VARCHAR NOT NULL,
            subcategory      VARCHAR,
            occurred_at      TIMESTAMP NOT NULL,  -- local (UK) wall-clock time; first of the month for month precision
            date_precision   VARCHAR NOT NULL,    -- month | day | minute
            easting          DOUBLE,              -- EPSG:27700 metres; NULL when the source gave no location
            northing         DOUBLE,
            longitude        DOUBLE,              -- WGS84
            latitude         DOUBLE,
            location         VARCHAR,
            lsoa21cd         VARCHAR,
            location_method  VARCHAR NOT NULL,    -- coordinates | postcode | snap-point | none
            source           VARCHAR NOT NULL,
            source_key       VARCHAR NOT NULL,    -- the source's own record key; unique within a source
            import_id        INTEGER NOT NULL,
            -- police
            outcome          VARCHAR,
            reported_by      VARCHAR,
            offence_group    VARCHAR,
            domestic_abuse   BOOLEAN,
            alcohol_related  BOOLEAN,
            hate             BOOLEAN,
            -- fly-tipping
            waste_type       VARCHAR,
            size             VARCHAR,
            land_type        VARCHAR,
            -- fires
            fire_type        VARCHAR,
            fire_category    VARCHAR,             -- primary | secondary
            cause            VARCHAR,             -- deliberate | accidental | not known
            area_burnt_m2    DOUBLE
        );

        CREATE TABLE rejected_rows (
            import_id INTEGER NOT NULL,
            line      BIGINT,
            raw       VARCHAR,
            reason    VARCHAR NOT NULL
        );
        """,
    ),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]

#: The columns of ``incidents`` at the current version, in table order (tests check
#: this against the migrated table). Column names are interpolated into SQL only
#: after checking them against this list.
INCIDENT_COLUMNS = (
    "layer", "category", "subcategory", "occurred_at", "date_precision", "easting", "northing",
    "longitude", "latitude", "location", "lsoa21cd", "location_method", "source", "source_key", "import_id",
    "outcome", "reported_by", "offence_group", "domestic_abuse", "alcohol_related", "hate",
    "waste_type", "size", "land_type", "fire_type", "fire_category", "cause", "area_burnt_m2",
)
