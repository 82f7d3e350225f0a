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
    (
        2,
        "users, audit log, store settings, deleted imports",
        """
        -- Facts about the store itself, e.g. ('demo', 'true') on the demo store only.
        CREATE TABLE store_settings (
            key   VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL
        );

        -- Who may sign in. Local users have an argon2id hash; single sign-on (OIDC)
        -- users have none: their name is the e-mail address the provider vouches for.
        CREATE TABLE users (
            name          VARCHAR PRIMARY KEY,
            role          VARCHAR NOT NULL,    -- viewer | analyst | admin
            password_hash VARCHAR,
            layers        VARCHAR[],           -- the layers this user may see; NULL for every layer
            partner       VARCHAR,             -- the user's organisation, for the record
            created_at    TIMESTAMP NOT NULL,
            created_by    VARCHAR NOT NULL
        );

        -- Append-only: who did what, when, with which filters and profile.
        CREATE SEQUENCE audit_id_seq START 1;
        CREATE TABLE audit (
            audit_id BIGINT NOT NULL DEFAULT nextval('audit_id_seq'),
            logged_at TIMESTAMP NOT NULL,
            actor    VARCHAR NOT NULL,
            role     VARCHAR,
            action   VARCHAR NOT NULL,         -- sign-in | sign-in refused | sign-out | import | delete | export | user ...
            outcome  VARCHAR NOT NULL,         -- ok | refused | failed
            detail   VARCHAR                   -- JSON: filters, profile, format, counts
        );

        ALTER TABLE imports ADD COLUMN deleted_at TIMESTAMP;
        ALTER TABLE imports ADD COLUMN deleted_by VARCHAR;

        -- A demo store built before this version: only the demo builder writes this source.
        INSERT INTO store_settings
        SELECT 'demo', 'true' WHERE EXISTS (SELECT 1 FROM imports WHERE source = 'demo-generated');
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
