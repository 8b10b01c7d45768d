-- GENERATED from shared/domain/raw-transform.ts by `npm run migrate -- --generate`; do not edit.
-- Snowflake only, optional (--with-snowpipe). The Snowflake-native path: Snowpipe lands raw JSON in
-- RAW (V2.1.0), these procedures apply the enrich rules in SQL (same reason codes, same money as
-- shared/domain/enrich.ts) into STAGING and ANALYTICS, and a task runs them when a RAW stream has data.
-- The statements inside RAW.TRANSFORM_BATCH are also rendered for DuckDB and checked against the
-- TypeScript enrich on a shared corpus (test/integration/raw-transform-parity.test.ts).

CREATE OR REPLACE TABLE STAGING.RAW_CUSTOMERS_FLAT (
  batch_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  seq INTEGER NOT NULL,
  customer_id VARCHAR,
  customer_id_k VARCHAR,
  first_name VARCHAR,
  last_name VARCHAR,
  email VARCHAR,
  address_line VARCHAR,
  city VARCHAR,
  state VARCHAR,
  country VARCHAR,
  postal_code VARCHAR,
  raw_record VARCHAR,
  source_file VARCHAR NOT NULL,
  source_line INTEGER,
  ingested_at TIMESTAMP NOT NULL
);

CREATE OR REPLACE TABLE STAGING.RAW_PRODUCTS_FLAT (
  batch_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  seq INTEGER NOT NULL,
  product_id VARCHAR,
  product_id_k VARCHAR,
  title VARCHAR,
  category VARCHAR,
  brand VARCHAR,
  unit_price VARCHAR,
  unit_price_k VARCHAR,
  unit_cost VARCHAR,
  unit_cost_k VARCHAR,
  raw_record VARCHAR,
  source_file VARCHAR NOT NULL,
  source_line INTEGER,
  ingested_at TIMESTAMP NOT NULL
);

CREATE OR REPLACE TABLE STAGING.RAW_LINES_FLAT (
  batch_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  seq INTEGER NOT NULL,
  unparseable VARCHAR,
  order_id VARCHAR,
  order_id_k VARCHAR,
  line_no BIGINT,
  natural_key VARCHAR,
  order_ts VARCHAR,
  order_ts_k VARCHAR,
  status VARCHAR,
  customer_id VARCHAR,
  customer_id_k VARCHAR,
  product_id VARCHAR,
  product_id_k VARCHAR,
  quantity VARCHAR,
  quantity_k VARCHAR,
  unit_price VARCHAR,
  unit_price_k VARCHAR,
  discount_pct VARCHAR,
  discount_pct_k VARCHAR,
  discount_amount VARCHAR,
  discount_amount_k VARCHAR,
  stated_total VARCHAR,
  stated_total_k VARCHAR,
  channel VARCHAR,
  payment_method VARCHAR,
  emb_customer BOOLEAN,
  emb_first_name VARCHAR,
  emb_last_name VARCHAR,
  emb_email VARCHAR,
  emb_address_line VARCHAR,
  emb_city VARCHAR,
  emb_state VARCHAR,
  emb_country VARCHAR,
  emb_postal_code VARCHAR,
  emb_product BOOLEAN,
  emb_title VARCHAR,
  emb_category VARCHAR,
  emb_brand VARCHAR,
  raw_record VARCHAR,
  source_file VARCHAR NOT NULL,
  source_line INTEGER,
  ingested_at TIMESTAMP NOT NULL
);

CREATE OR REPLACE TABLE STAGING.RAW_LINES_CLASSIFIED (
  batch_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  seq INTEGER NOT NULL,
  unparseable VARCHAR,
  nk VARCHAR,
  lk VARCHAR,
  oid VARCHAR,
  cid VARCHAR,
  pid VARCHAR,
  line_no BIGINT,
  ts TIMESTAMP,
  status VARCHAR,
  qty BIGINT,
  price DECIMAL(38,2),
  line_price DECIMAL(38,2),
  discount_pct_value DECIMAL(5,2),
  revenue DECIMAL(38,2),
  discount DECIMAL(38,2),
  channel VARCHAR,
  payment_method VARCHAR,
  customer_from VARCHAR,
  product_from VARCHAR,
  emb_first_name VARCHAR,
  emb_last_name VARCHAR,
  emb_email VARCHAR,
  emb_address_line VARCHAR,
  emb_city VARCHAR,
  emb_state VARCHAR,
  emb_country VARCHAR,
  emb_postal_code VARCHAR,
  emb_title VARCHAR,
  emb_category VARCHAR,
  emb_brand VARCHAR,
  raw_record VARCHAR,
  source_file VARCHAR NOT NULL,
  source_line INTEGER,
  ingested_at TIMESTAMP NOT NULL,
  outcome VARCHAR NOT NULL,
  reason_codes VARCHAR,
  unit_cost DECIMAL(38,2)
);

CREATE TABLE IF NOT EXISTS OPS.RAW_DIM_ORIGINS (
  source VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  id VARCHAR NOT NULL,
  origin VARCHAR NOT NULL,
  batch_id VARCHAR NOT NULL,
  PRIMARY KEY (source, kind, id)
);

CREATE TABLE IF NOT EXISTS OPS.COST_RATIOS (
  category VARCHAR NOT NULL PRIMARY KEY,
  ratio DECIMAL(9,4) NOT NULL
);

INSERT INTO OPS.COST_RATIOS (category, ratio) SELECT '*', 0.60 WHERE NOT EXISTS (SELECT 1 FROM OPS.COST_RATIOS WHERE category = '*');

CREATE TABLE IF NOT EXISTS OPS.RAW_RUNS (
  batch_id VARCHAR NOT NULL PRIMARY KEY,
  run_path VARCHAR NOT NULL,
  first_seen TIMESTAMP NOT NULL,
  transformed_at TIMESTAMP,
  outcome VARCHAR
);

-- One run (batch id `<source>-<run_id>`) from RAW to STAGING and ANALYTICS, in one transaction.
CREATE OR REPLACE PROCEDURE RAW.TRANSFORM_BATCH(BATCH_ID VARCHAR)
  RETURNS VARCHAR
  LANGUAGE SQL
  EXECUTE AS OWNER
AS
$$
DECLARE
  audited INTEGER DEFAULT 0;
BEGIN
  BEGIN TRANSACTION;
  SELECT COUNT(*) INTO :audited FROM OPS.LOAD_AUDIT WHERE batch_id = :batch_id;
  IF (audited > 0) THEN
    COMMIT;
    RETURN 'skipped';
  END IF;
    DELETE FROM STAGING.RAW_CUSTOMERS_FLAT WHERE batch_id = :batch_id;
    DELETE FROM STAGING.RAW_PRODUCTS_FLAT WHERE batch_id = :batch_id;
    DELETE FROM STAGING.RAW_LINES_FLAT WHERE batch_id = :batch_id;
    DELETE FROM STAGING.RAW_LINES_CLASSIFIED WHERE batch_id = :batch_id;
    INSERT INTO STAGING.RAW_CUSTOMERS_FLAT (batch_id, source, seq, customer_id, customer_id_k, first_name, last_name, email, address_line, city, state, country, postal_code, raw_record, source_file, source_line, ingested_at)
    SELECT batch_id, source, ROW_NUMBER() OVER (ORDER BY file_pos, file_row_number, rec_idx, line_idx), CASE CASE TYPEOF(j_customer_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_customer_id::VARCHAR), '') WHEN 'n' THEN j_customer_id::VARCHAR END AS customer_id, CASE WHEN CASE TYPEOF(j_customer_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_customer_id::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_customer_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_customer_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS customer_id_k, first_name, last_name, email, address_line, city, state, country, postal_code, raw_record, source_file, source_line, ingested_at
    FROM (
    WITH files AS (SELECT mm.batch_id, mm.source, mm.manifest_file,
      CAST(REPLACE(REPLACE(GET(mm.record, 'ingested_at')::VARCHAR, 'T', ' '), 'Z', '') AS TIMESTAMP) AS ingested_at,
      REGEXP_SUBSTR(GET(mf.value, 'key')::VARCHAR, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/.*)$', 1, 1, 'e', 1) AS rel_path,
      COALESCE(NULLIF(GET(mf.value, 'url')::VARCHAR, ''), GET(mf.value, 'key')::VARCHAR) AS file_url,
      CAST(GET(mf.value, 'records')::VARCHAR AS INTEGER) AS records,
      mf.index AS file_pos
    FROM (SELECT record, source_file AS manifest_file, GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR AS batch_id, GET(record, 'source')::VARCHAR AS source
      FROM RAW.MANIFESTS_RAW
      WHERE GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR = :batch_id
      QUALIFY ROW_NUMBER() OVER (ORDER BY loaded_at DESC, source_file DESC) = 1) mm,
      LATERAL FLATTEN(input => GET(mm.record, 'files')) mf),
    rows_in AS (
      SELECT r.record, r.file_row_number, f.batch_id, f.source, f.ingested_at, f.file_url, f.file_pos
      FROM RAW.CUSTOMERS_RAW r JOIN files f ON REGEXP_SUBSTR(r.source_file, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/.*)$', 1, 1, 'e', 1) = f.rel_path
      QUALIFY r.loaded_at = MAX(r.loaded_at) OVER (PARTITION BY r.source_file))
    SELECT * FROM (
    SELECT batch_id, source, file_pos, file_row_number, u.index AS rec_idx,
      0 AS line_idx,
      GET(u.value, 'id') AS j_customer_id,
      CASE WHEN CASE TYPEOF(GET(u.value, 'firstName')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(u.value, 'firstName')::VARCHAR), '') END AS first_name,
      CASE WHEN CASE TYPEOF(GET(u.value, 'lastName')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(u.value, 'lastName')::VARCHAR), '') END AS last_name,
      CASE WHEN CASE TYPEOF(GET(u.value, 'email')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(u.value, 'email')::VARCHAR), '') END AS email,
      CASE WHEN CASE TYPEOF(GET(GET(u.value, 'address'), 'address')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(u.value, 'address'), 'address')::VARCHAR), '') END AS address_line,
      CASE WHEN CASE TYPEOF(GET(GET(u.value, 'address'), 'city')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(u.value, 'address'), 'city')::VARCHAR), '') END AS city,
      CASE WHEN CASE TYPEOF(GET(GET(u.value, 'address'), 'state')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(u.value, 'address'), 'state')::VARCHAR), '') END AS state,
      CASE WHEN CASE TYPEOF(GET(GET(u.value, 'address'), 'country')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(u.value, 'address'), 'country')::VARCHAR), '') END AS country,
      CASE WHEN CASE TYPEOF(GET(GET(u.value, 'address'), 'postalCode')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(u.value, 'address'), 'postalCode')::VARCHAR), '') END AS postal_code,
      TO_JSON(u.value) AS raw_record,
      file_url AS source_file,
      CAST(NULL AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in, LATERAL FLATTEN(input => GET(rows_in.record, 'users')) u
    WHERE source = 'dummyjson' AND CASE TYPEOF(GET(rows_in.record, 'users')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'a'
    UNION ALL
    SELECT batch_id, source, file_pos, file_row_number, 0 AS rec_idx,
      0 AS line_idx,
      GET(rows_in.record, 'id') AS j_customer_id,
      CASE WHEN CASE TYPEOF(GET(GET(rows_in.record, 'name'), 'firstname')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(rows_in.record, 'name'), 'firstname')::VARCHAR), '') END AS first_name,
      CASE WHEN CASE TYPEOF(GET(GET(rows_in.record, 'name'), 'lastname')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(rows_in.record, 'name'), 'lastname')::VARCHAR), '') END AS last_name,
      CASE WHEN CASE TYPEOF(GET(rows_in.record, 'email')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(rows_in.record, 'email')::VARCHAR), '') END AS email,
      NULLIF(TRIM(COALESCE(CASE WHEN CASE TYPEOF(GET(GET(rows_in.record, 'address'), 'number')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(rows_in.record, 'address'), 'number')::VARCHAR), '') END, '') || ' ' || COALESCE(CASE WHEN CASE TYPEOF(GET(GET(rows_in.record, 'address'), 'street')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(rows_in.record, 'address'), 'street')::VARCHAR), '') END, '')), '') AS address_line,
      CASE WHEN CASE TYPEOF(GET(GET(rows_in.record, 'address'), 'city')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(rows_in.record, 'address'), 'city')::VARCHAR), '') END AS city,
      CAST(NULL AS VARCHAR) AS state,
      CAST(NULL AS VARCHAR) AS country,
      CASE WHEN CASE TYPEOF(GET(GET(rows_in.record, 'address'), 'zipcode')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(rows_in.record, 'address'), 'zipcode')::VARCHAR), '') END AS postal_code,
      TO_JSON(rows_in.record) AS raw_record,
      file_url AS source_file,
      CAST(NULL AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in
    WHERE source = 'fakestore'
    UNION ALL
    SELECT batch_id, source, file_pos, file_row_number, fr.index AS rec_idx,
      0 AS line_idx,
      GET(GET(fr.value, 'data'), 'customer_id') AS j_customer_id,
      COALESCE(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'first_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'first_name')::VARCHAR), '') END, SPLIT_PART(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'customer_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'customer_name')::VARCHAR), '') END, ' ', 1)) AS first_name,
      COALESCE(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'last_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'last_name')::VARCHAR), '') END, NULLIF(TRIM(SUBSTR(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'customer_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'customer_name')::VARCHAR), '') END, LENGTH(SPLIT_PART(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'customer_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'customer_name')::VARCHAR), '') END, ' ', 1)) + 1)), '')) AS last_name,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'email')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'email')::VARCHAR), '') END AS email,
      CASE WHEN CASE TYPEOF(CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'address_line')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'address_line') ELSE GET(GET(fr.value, 'data'), 'address') END) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'address_line')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'address_line') ELSE GET(GET(fr.value, 'data'), 'address') END::VARCHAR), '') END AS address_line,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'city')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'city')::VARCHAR), '') END AS city,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'state')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'state')::VARCHAR), '') END AS state,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'country')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'country')::VARCHAR), '') END AS country,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'postal_code')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'postal_code')::VARCHAR), '') END AS postal_code,
      TO_JSON(fr.value) AS raw_record,
      file_url AS source_file,
      CAST(GET(fr.value, 'line')::VARCHAR AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in, LATERAL FLATTEN(input => GET(rows_in.record, 'records')) fr
    WHERE source = 'files' AND CASE TYPEOF(GET(rows_in.record, 'records')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'a'
    ) u
    ) x;
    INSERT INTO STAGING.RAW_PRODUCTS_FLAT (batch_id, source, seq, product_id, product_id_k, title, category, brand, unit_price, unit_price_k, unit_cost, unit_cost_k, raw_record, source_file, source_line, ingested_at)
    SELECT batch_id, source, ROW_NUMBER() OVER (ORDER BY file_pos, file_row_number, rec_idx, line_idx), CASE CASE TYPEOF(j_product_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_product_id::VARCHAR), '') WHEN 'n' THEN j_product_id::VARCHAR END AS product_id, CASE WHEN CASE TYPEOF(j_product_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_product_id::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_product_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_product_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS product_id_k, title, category, brand, CASE CASE TYPEOF(j_unit_price) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_unit_price::VARCHAR), '') WHEN 'n' THEN j_unit_price::VARCHAR END AS unit_price, CASE WHEN CASE TYPEOF(j_unit_price) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_unit_price::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_unit_price) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_unit_price) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS unit_price_k, CASE CASE TYPEOF(j_unit_cost) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_unit_cost::VARCHAR), '') WHEN 'n' THEN j_unit_cost::VARCHAR END AS unit_cost, CASE WHEN CASE TYPEOF(j_unit_cost) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_unit_cost::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_unit_cost) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_unit_cost) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS unit_cost_k, raw_record, source_file, source_line, ingested_at
    FROM (
    WITH files AS (SELECT mm.batch_id, mm.source, mm.manifest_file,
      CAST(REPLACE(REPLACE(GET(mm.record, 'ingested_at')::VARCHAR, 'T', ' '), 'Z', '') AS TIMESTAMP) AS ingested_at,
      REGEXP_SUBSTR(GET(mf.value, 'key')::VARCHAR, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/.*)$', 1, 1, 'e', 1) AS rel_path,
      COALESCE(NULLIF(GET(mf.value, 'url')::VARCHAR, ''), GET(mf.value, 'key')::VARCHAR) AS file_url,
      CAST(GET(mf.value, 'records')::VARCHAR AS INTEGER) AS records,
      mf.index AS file_pos
    FROM (SELECT record, source_file AS manifest_file, GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR AS batch_id, GET(record, 'source')::VARCHAR AS source
      FROM RAW.MANIFESTS_RAW
      WHERE GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR = :batch_id
      QUALIFY ROW_NUMBER() OVER (ORDER BY loaded_at DESC, source_file DESC) = 1) mm,
      LATERAL FLATTEN(input => GET(mm.record, 'files')) mf),
    rows_in AS (
      SELECT r.record, r.file_row_number, f.batch_id, f.source, f.ingested_at, f.file_url, f.file_pos
      FROM RAW.PRODUCTS_RAW r JOIN files f ON REGEXP_SUBSTR(r.source_file, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/.*)$', 1, 1, 'e', 1) = f.rel_path
      QUALIFY r.loaded_at = MAX(r.loaded_at) OVER (PARTITION BY r.source_file))
    SELECT * FROM (
    SELECT batch_id, source, file_pos, file_row_number, p.index AS rec_idx,
      0 AS line_idx,
      GET(p.value, 'id') AS j_product_id,
      CASE WHEN CASE TYPEOF(GET(p.value, 'title')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(p.value, 'title')::VARCHAR), '') END AS title,
      CASE WHEN CASE TYPEOF(GET(p.value, 'category')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(p.value, 'category')::VARCHAR), '') END AS category,
      CASE WHEN CASE TYPEOF(GET(p.value, 'brand')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(p.value, 'brand')::VARCHAR), '') END AS brand,
      GET(p.value, 'price') AS j_unit_price,
      CAST(NULL AS VARIANT) AS j_unit_cost,
      TO_JSON(p.value) AS raw_record,
      file_url AS source_file,
      CAST(NULL AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in, LATERAL FLATTEN(input => GET(rows_in.record, 'products')) p
    WHERE source = 'dummyjson' AND CASE TYPEOF(GET(rows_in.record, 'products')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'a'
    UNION ALL
    SELECT batch_id, source, file_pos, file_row_number, 0 AS rec_idx,
      0 AS line_idx,
      GET(rows_in.record, 'id') AS j_product_id,
      CASE WHEN CASE TYPEOF(GET(rows_in.record, 'title')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(rows_in.record, 'title')::VARCHAR), '') END AS title,
      CASE WHEN CASE TYPEOF(GET(rows_in.record, 'category')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(rows_in.record, 'category')::VARCHAR), '') END AS category,
      CAST(NULL AS VARCHAR) AS brand,
      GET(rows_in.record, 'price') AS j_unit_price,
      CAST(NULL AS VARIANT) AS j_unit_cost,
      TO_JSON(rows_in.record) AS raw_record,
      file_url AS source_file,
      CAST(NULL AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in
    WHERE source = 'fakestore'
    UNION ALL
    SELECT batch_id, source, file_pos, file_row_number, fr.index AS rec_idx,
      0 AS line_idx,
      GET(GET(fr.value, 'data'), 'product_id') AS j_product_id,
      CASE WHEN CASE TYPEOF(CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'title')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'title')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'title')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'title')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'title') ELSE GET(GET(fr.value, 'data'), 'product_name') END) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'title')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'title')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'title')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'title')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'title') ELSE GET(GET(fr.value, 'data'), 'product_name') END::VARCHAR), '') END AS title,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'category')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'category')::VARCHAR), '') END AS category,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'brand')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'brand')::VARCHAR), '') END AS brand,
      GET(GET(fr.value, 'data'), 'unit_price') AS j_unit_price,
      CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'cost')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'cost')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'cost')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'cost')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'cost') ELSE GET(GET(fr.value, 'data'), 'unit_cost') END AS j_unit_cost,
      TO_JSON(fr.value) AS raw_record,
      file_url AS source_file,
      CAST(GET(fr.value, 'line')::VARCHAR AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in, LATERAL FLATTEN(input => GET(rows_in.record, 'records')) fr
    WHERE source = 'files' AND CASE TYPEOF(GET(rows_in.record, 'records')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'a'
    ) u
    ) x;
    INSERT INTO STAGING.RAW_LINES_FLAT (batch_id, source, seq, unparseable, order_id, order_id_k, line_no, natural_key, order_ts, order_ts_k, status, customer_id, customer_id_k, product_id, product_id_k, quantity, quantity_k, unit_price, unit_price_k, discount_pct, discount_pct_k, discount_amount, discount_amount_k, stated_total, stated_total_k, channel, payment_method, emb_customer, emb_first_name, emb_last_name, emb_email, emb_address_line, emb_city, emb_state, emb_country, emb_postal_code, emb_product, emb_title, emb_category, emb_brand, raw_record, source_file, source_line, ingested_at)
    SELECT batch_id, source, ROW_NUMBER() OVER (ORDER BY file_pos, file_row_number, rec_idx, line_idx), unparseable, CASE CASE TYPEOF(j_order_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_order_id::VARCHAR), '') WHEN 'n' THEN j_order_id::VARCHAR END AS order_id, CASE WHEN CASE TYPEOF(j_order_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_order_id::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_order_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_order_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS order_id_k, line_no, natural_key, CASE CASE TYPEOF(j_order_ts) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_order_ts::VARCHAR), '') WHEN 'n' THEN j_order_ts::VARCHAR END AS order_ts, CASE WHEN CASE TYPEOF(j_order_ts) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_order_ts::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_order_ts) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_order_ts) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS order_ts_k, status, CASE CASE TYPEOF(j_customer_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_customer_id::VARCHAR), '') WHEN 'n' THEN j_customer_id::VARCHAR END AS customer_id, CASE WHEN CASE TYPEOF(j_customer_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_customer_id::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_customer_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_customer_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS customer_id_k, CASE CASE TYPEOF(j_product_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_product_id::VARCHAR), '') WHEN 'n' THEN j_product_id::VARCHAR END AS product_id, CASE WHEN CASE TYPEOF(j_product_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_product_id::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_product_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_product_id) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS product_id_k, CASE CASE TYPEOF(j_quantity) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_quantity::VARCHAR), '') WHEN 'n' THEN j_quantity::VARCHAR END AS quantity, CASE WHEN CASE TYPEOF(j_quantity) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_quantity::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_quantity) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_quantity) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS quantity_k, CASE CASE TYPEOF(j_unit_price) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_unit_price::VARCHAR), '') WHEN 'n' THEN j_unit_price::VARCHAR END AS unit_price, CASE WHEN CASE TYPEOF(j_unit_price) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_unit_price::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_unit_price) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_unit_price) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS unit_price_k, CASE CASE TYPEOF(j_discount_pct) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_discount_pct::VARCHAR), '') WHEN 'n' THEN j_discount_pct::VARCHAR END AS discount_pct, CASE WHEN CASE TYPEOF(j_discount_pct) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_discount_pct::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_discount_pct) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_discount_pct) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS discount_pct_k, CASE CASE TYPEOF(j_discount_amount) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_discount_amount::VARCHAR), '') WHEN 'n' THEN j_discount_amount::VARCHAR END AS discount_amount, CASE WHEN CASE TYPEOF(j_discount_amount) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_discount_amount::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_discount_amount) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_discount_amount) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS discount_amount_k, CASE CASE TYPEOF(j_stated_total) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END WHEN 's' THEN NULLIF(TRIM(j_stated_total::VARCHAR), '') WHEN 'n' THEN j_stated_total::VARCHAR END AS stated_total, CASE WHEN CASE TYPEOF(j_stated_total) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(j_stated_total::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(j_stated_total) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(j_stated_total) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END AS stated_total_k, channel, payment_method, emb_customer, emb_first_name, emb_last_name, emb_email, emb_address_line, emb_city, emb_state, emb_country, emb_postal_code, emb_product, emb_title, emb_category, emb_brand, raw_record, source_file, source_line, ingested_at
    FROM (
    WITH files AS (SELECT mm.batch_id, mm.source, mm.manifest_file,
      CAST(REPLACE(REPLACE(GET(mm.record, 'ingested_at')::VARCHAR, 'T', ' '), 'Z', '') AS TIMESTAMP) AS ingested_at,
      REGEXP_SUBSTR(GET(mf.value, 'key')::VARCHAR, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/.*)$', 1, 1, 'e', 1) AS rel_path,
      COALESCE(NULLIF(GET(mf.value, 'url')::VARCHAR, ''), GET(mf.value, 'key')::VARCHAR) AS file_url,
      CAST(GET(mf.value, 'records')::VARCHAR AS INTEGER) AS records,
      mf.index AS file_pos
    FROM (SELECT record, source_file AS manifest_file, GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR AS batch_id, GET(record, 'source')::VARCHAR AS source
      FROM RAW.MANIFESTS_RAW
      WHERE GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR = :batch_id
      QUALIFY ROW_NUMBER() OVER (ORDER BY loaded_at DESC, source_file DESC) = 1) mm,
      LATERAL FLATTEN(input => GET(mm.record, 'files')) mf),
    rows_in AS (
      SELECT r.record, r.file_row_number, f.batch_id, f.source, f.ingested_at, f.file_url, f.file_pos
      FROM RAW.ORDERS_RAW r JOIN files f ON REGEXP_SUBSTR(r.source_file, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/.*)$', 1, 1, 'e', 1) = f.rel_path
      QUALIFY r.loaded_at = MAX(r.loaded_at) OVER (PARTITION BY r.source_file))
    SELECT * FROM (
    SELECT batch_id, source, file_pos, file_row_number, c.index AS rec_idx,
      cl.index AS line_idx,
      CAST(NULL AS VARCHAR) AS unparseable,
      GET(c.value, 'id') AS j_order_id,
      cl.index + 1 AS line_no,
      CAST(NULL AS VARCHAR) AS natural_key,
      CAST(NULL AS VARIANT) AS j_order_ts,
      CAST(NULL AS VARCHAR) AS status,
      GET(c.value, 'userId') AS j_customer_id,
      GET(cl.value, 'id') AS j_product_id,
      GET(cl.value, 'quantity') AS j_quantity,
      GET(cl.value, 'price') AS j_unit_price,
      GET(cl.value, 'discountPercentage') AS j_discount_pct,
      CAST(NULL AS VARIANT) AS j_discount_amount,
      GET(cl.value, 'total') AS j_stated_total,
      CAST(NULL AS VARCHAR) AS channel,
      CAST(NULL AS VARCHAR) AS payment_method,
      FALSE AS emb_customer,
      CAST(NULL AS VARCHAR) AS emb_first_name,
      CAST(NULL AS VARCHAR) AS emb_last_name,
      CAST(NULL AS VARCHAR) AS emb_email,
      CAST(NULL AS VARCHAR) AS emb_address_line,
      CAST(NULL AS VARCHAR) AS emb_city,
      CAST(NULL AS VARCHAR) AS emb_state,
      CAST(NULL AS VARCHAR) AS emb_country,
      CAST(NULL AS VARCHAR) AS emb_postal_code,
      FALSE AS emb_product,
      CAST(NULL AS VARCHAR) AS emb_title,
      CAST(NULL AS VARCHAR) AS emb_category,
      CAST(NULL AS VARCHAR) AS emb_brand,
      '{"cartId":' || COALESCE(TO_JSON(GET(c.value, 'id')), 'null') || ',"userId":' || COALESCE(TO_JSON(GET(c.value, 'userId')), 'null') || ',"line":' || TO_JSON(cl.value) || '}' AS raw_record,
      file_url AS source_file,
      CAST(NULL AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in, LATERAL FLATTEN(input => GET(rows_in.record, 'carts')) c, LATERAL FLATTEN(input => GET(c.value, 'products')) cl
    WHERE source = 'dummyjson' AND CASE TYPEOF(GET(rows_in.record, 'carts')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'a' AND CASE TYPEOF(GET(c.value, 'products')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'a'
    UNION ALL
    SELECT batch_id, source, file_pos, file_row_number, 0 AS rec_idx,
      fl.index AS line_idx,
      CAST(NULL AS VARCHAR) AS unparseable,
      GET(rows_in.record, 'id') AS j_order_id,
      fl.index + 1 AS line_no,
      CAST(NULL AS VARCHAR) AS natural_key,
      GET(rows_in.record, 'date') AS j_order_ts,
      CAST(NULL AS VARCHAR) AS status,
      GET(rows_in.record, 'userId') AS j_customer_id,
      GET(fl.value, 'productId') AS j_product_id,
      GET(fl.value, 'quantity') AS j_quantity,
      CAST(NULL AS VARIANT) AS j_unit_price,
      CAST(NULL AS VARIANT) AS j_discount_pct,
      CAST(NULL AS VARIANT) AS j_discount_amount,
      CAST(NULL AS VARIANT) AS j_stated_total,
      CAST(NULL AS VARCHAR) AS channel,
      CAST(NULL AS VARCHAR) AS payment_method,
      FALSE AS emb_customer,
      CAST(NULL AS VARCHAR) AS emb_first_name,
      CAST(NULL AS VARCHAR) AS emb_last_name,
      CAST(NULL AS VARCHAR) AS emb_email,
      CAST(NULL AS VARCHAR) AS emb_address_line,
      CAST(NULL AS VARCHAR) AS emb_city,
      CAST(NULL AS VARCHAR) AS emb_state,
      CAST(NULL AS VARCHAR) AS emb_country,
      CAST(NULL AS VARCHAR) AS emb_postal_code,
      FALSE AS emb_product,
      CAST(NULL AS VARCHAR) AS emb_title,
      CAST(NULL AS VARCHAR) AS emb_category,
      CAST(NULL AS VARCHAR) AS emb_brand,
      '{"cartId":' || COALESCE(TO_JSON(GET(rows_in.record, 'id')), 'null') || ',"userId":' || COALESCE(TO_JSON(GET(rows_in.record, 'userId')), 'null') || ',"date":' || COALESCE(TO_JSON(GET(rows_in.record, 'date')), 'null') || ',"line":' || TO_JSON(fl.value) || '}' AS raw_record,
      file_url AS source_file,
      CAST(NULL AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in, LATERAL FLATTEN(input => GET(rows_in.record, 'products')) fl
    WHERE source = 'fakestore' AND CASE TYPEOF(GET(rows_in.record, 'products')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'a'
    UNION ALL
    SELECT batch_id, source, file_pos, file_row_number, fr.index AS rec_idx,
      0 AS line_idx,
      CASE WHEN CASE TYPEOF(GET(fr.value, 'data')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'o' THEN NULL ELSE COALESCE(GET(GET(fr.value, 'unparseable'), 'error')::VARCHAR, 'not a file record') END AS unparseable,
      CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'order_id')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'order_id')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'order_id')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'order_id')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'order_id') ELSE GET(GET(fr.value, 'data'), 'event_id') END AS j_order_id,
      COALESCE(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'line_no')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND REGEXP_LIKE(TRIM(GET(GET(fr.value, 'data'), 'line_no')::VARCHAR), '[0-9]+') AND LENGTH(LTRIM(TRIM(GET(GET(fr.value, 'data'), 'line_no')::VARCHAR), '0')) <= 16 AND CAST(TRIM(GET(GET(fr.value, 'data'), 'line_no')::VARCHAR) AS DECIMAL(38,0)) BETWEEN 1 AND 9007199254740991 THEN CAST(TRIM(GET(GET(fr.value, 'data'), 'line_no')::VARCHAR) AS BIGINT)
        WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'line_no')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'n' AND TRY_CAST(TRIM(GET(GET(fr.value, 'data'), 'line_no')::VARCHAR) AS DOUBLE) = FLOOR(TRY_CAST(TRIM(GET(GET(fr.value, 'data'), 'line_no')::VARCHAR) AS DOUBLE)) AND TRY_CAST(TRIM(GET(GET(fr.value, 'data'), 'line_no')::VARCHAR) AS DOUBLE) BETWEEN 1 AND 9007199254740991 THEN CAST(TRY_CAST(TRIM(GET(GET(fr.value, 'data'), 'line_no')::VARCHAR) AS DOUBLE) AS BIGINT) END, CASE WHEN (GET(GET(fr.value, 'data'), 'order_id') IS NULL OR (CASE TYPEOF(GET(GET(fr.value, 'data'), 'order_id')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'order_id')::VARCHAR) = '')) THEN 1 ELSE (CAST(GET(rows_in.record, 'first_record')::VARCHAR AS BIGINT) + fr.index) END) AS line_no,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'event_id')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'event_id')::VARCHAR), '') END AS natural_key,
      GET(GET(fr.value, 'data'), 'event_ts') AS j_order_ts,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'status')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'status')::VARCHAR), '') END AS status,
      GET(GET(fr.value, 'data'), 'customer_id') AS j_customer_id,
      GET(GET(fr.value, 'data'), 'product_id') AS j_product_id,
      GET(GET(fr.value, 'data'), 'quantity') AS j_quantity,
      GET(GET(fr.value, 'data'), 'unit_price') AS j_unit_price,
      CAST(NULL AS VARIANT) AS j_discount_pct,
      GET(GET(fr.value, 'data'), 'discount_amount') AS j_discount_amount,
      GET(GET(fr.value, 'data'), 'total_amount') AS j_stated_total,
      CASE WHEN CASE TYPEOF(CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'marketing_channel')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'marketing_channel')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'marketing_channel')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'marketing_channel')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'marketing_channel') ELSE GET(GET(fr.value, 'data'), 'channel') END) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'marketing_channel')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'marketing_channel')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'marketing_channel')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'marketing_channel')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'marketing_channel') ELSE GET(GET(fr.value, 'data'), 'channel') END::VARCHAR), '') END AS channel,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'payment_method')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'payment_method')::VARCHAR), '') END AS payment_method,
      (GET(GET(fr.value, 'data'), 'customer_id') IS NOT NULL AND (COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'customer_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'customer_name')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'first_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'first_name')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'last_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'last_name')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'email')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'email')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'city')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'city')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'state')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'state')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'country')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'country')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'postal_code')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'postal_code')::VARCHAR) <> '', FALSE))) AS emb_customer,
      COALESCE(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'first_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'first_name')::VARCHAR), '') END, SPLIT_PART(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'customer_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'customer_name')::VARCHAR), '') END, ' ', 1)) AS emb_first_name,
      COALESCE(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'last_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'last_name')::VARCHAR), '') END, NULLIF(TRIM(SUBSTR(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'customer_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'customer_name')::VARCHAR), '') END, LENGTH(SPLIT_PART(CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'customer_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'customer_name')::VARCHAR), '') END, ' ', 1)) + 1)), '')) AS emb_last_name,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'email')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'email')::VARCHAR), '') END AS emb_email,
      CASE WHEN CASE TYPEOF(CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'address_line')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'address_line') ELSE GET(GET(fr.value, 'data'), 'address') END) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(CASE WHEN CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 's' AND TRIM(GET(GET(fr.value, 'data'), 'address_line')::VARCHAR) = '' THEN NULL WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'z' THEN NULL ELSE CASE TYPEOF(GET(GET(fr.value, 'data'), 'address_line')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END END IS NOT NULL THEN GET(GET(fr.value, 'data'), 'address_line') ELSE GET(GET(fr.value, 'data'), 'address') END::VARCHAR), '') END AS emb_address_line,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'city')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'city')::VARCHAR), '') END AS emb_city,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'state')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'state')::VARCHAR), '') END AS emb_state,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'country')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'country')::VARCHAR), '') END AS emb_country,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'postal_code')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'postal_code')::VARCHAR), '') END AS emb_postal_code,
      (GET(GET(fr.value, 'data'), 'product_id') IS NOT NULL AND (COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'product_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'product_name')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'category')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'category')::VARCHAR) <> '', FALSE) OR COALESCE(CASE TYPEOF(GET(GET(fr.value, 'data'), 'brand')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('n', 'b', 'a', 'o') OR TRIM(GET(GET(fr.value, 'data'), 'brand')::VARCHAR) <> '', FALSE))) AS emb_product,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'product_name')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'product_name')::VARCHAR), '') END AS emb_title,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'category')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'category')::VARCHAR), '') END AS emb_category,
      CASE WHEN CASE TYPEOF(GET(GET(fr.value, 'data'), 'brand')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END IN ('s', 'n') THEN NULLIF(TRIM(GET(GET(fr.value, 'data'), 'brand')::VARCHAR), '') END AS emb_brand,
      CASE WHEN CASE TYPEOF(GET(fr.value, 'data')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'o' THEN TO_JSON(GET(fr.value, 'data')) ELSE GET(GET(fr.value, 'unparseable'), 'raw_text')::VARCHAR END AS raw_record,
      file_url AS source_file,
      CAST(GET(fr.value, 'line')::VARCHAR AS INTEGER) AS source_line,
      ingested_at AS ingested_at
    FROM rows_in, LATERAL FLATTEN(input => GET(rows_in.record, 'records')) fr
    WHERE source = 'files' AND CASE TYPEOF(GET(rows_in.record, 'records')) WHEN 'VARCHAR' THEN 's' WHEN 'INTEGER' THEN 'n' WHEN 'DECIMAL' THEN 'n' WHEN 'DOUBLE' THEN 'n' WHEN 'BOOLEAN' THEN 'b' WHEN 'ARRAY' THEN 'a' WHEN 'OBJECT' THEN 'o' WHEN 'NULL_VALUE' THEN 'z' END = 'a'
    ) u
    ) x;
    INSERT INTO STAGING.RAW_LINES_CLASSIFIED (batch_id, source, seq, unparseable, nk, lk, oid, cid, pid, line_no, ts, status, qty, price, line_price, discount_pct_value, revenue, discount, channel, payment_method, customer_from, product_from, emb_first_name, emb_last_name, emb_email, emb_address_line, emb_city, emb_state, emb_country, emb_postal_code, emb_title, emb_category, emb_brand, raw_record, source_file, source_line, ingested_at, outcome, reason_codes, unit_cost)
    SELECT * FROM (
    WITH l AS (SELECT * FROM STAGING.RAW_LINES_FLAT WHERE batch_id = :batch_id),
    k AS (
      SELECT l.*,
        CASE WHEN order_id_k = 's' THEN order_id WHEN order_id_k = 'n' AND TRY_CAST(order_id AS DOUBLE) = FLOOR(TRY_CAST(order_id AS DOUBLE)) AND ABS(TRY_CAST(order_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(order_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS oid,
        CASE WHEN customer_id_k = 's' THEN customer_id WHEN customer_id_k = 'n' AND TRY_CAST(customer_id AS DOUBLE) = FLOOR(TRY_CAST(customer_id AS DOUBLE)) AND ABS(TRY_CAST(customer_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(customer_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS cid,
        CASE WHEN product_id_k = 's' THEN product_id WHEN product_id_k = 'n' AND TRY_CAST(product_id AS DOUBLE) = FLOOR(TRY_CAST(product_id AS DOUBLE)) AND ABS(TRY_CAST(product_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(product_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS pid
      FROM l),
    keyed AS (
      SELECT k.*, CASE WHEN unparseable IS NULL THEN natural_key END AS nk,
        CASE WHEN unparseable IS NULL AND oid IS NOT NULL THEN oid || '#' || CAST(line_no AS VARCHAR) END AS lk
      FROM k),
    d1 AS (
      SELECT keyed.*, CASE WHEN nk IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY nk ORDER BY seq) > 1 THEN 1 ELSE 0 END AS dup_nk
      FROM keyed),
    d2 AS (
      SELECT d1.*, CASE WHEN dup_nk = 0 AND lk IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY dup_nk, lk ORDER BY seq) > 1 THEN 1 ELSE 0 END AS dup_lk
      FROM d1),
    bc AS (
      SELECT CASE WHEN customer_id_k = 's' THEN customer_id WHEN customer_id_k = 'n' AND TRY_CAST(customer_id AS DOUBLE) = FLOOR(TRY_CAST(customer_id AS DOUBLE)) AND ABS(TRY_CAST(customer_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(customer_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS customer_id FROM STAGING.RAW_CUSTOMERS_FLAT
      WHERE batch_id = :batch_id AND CASE WHEN customer_id_k = 's' THEN customer_id WHEN customer_id_k = 'n' AND TRY_CAST(customer_id AS DOUBLE) = FLOOR(TRY_CAST(customer_id AS DOUBLE)) AND ABS(TRY_CAST(customer_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(customer_id AS DOUBLE) AS BIGINT) AS VARCHAR) END IS NOT NULL
      GROUP BY CASE WHEN customer_id_k = 's' THEN customer_id WHEN customer_id_k = 'n' AND TRY_CAST(customer_id AS DOUBLE) = FLOOR(TRY_CAST(customer_id AS DOUBLE)) AND ABS(TRY_CAST(customer_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(customer_id AS DOUBLE) AS BIGINT) AS VARCHAR) END),
    bp AS (
      SELECT product_id, category, unit_price, unit_cost FROM (
        SELECT CASE WHEN product_id_k = 's' THEN product_id WHEN product_id_k = 'n' AND TRY_CAST(product_id AS DOUBLE) = FLOOR(TRY_CAST(product_id AS DOUBLE)) AND ABS(TRY_CAST(product_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(product_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS product_id, category,
          CASE WHEN unit_price_k IN ('s', 'n') AND REGEXP_LIKE(unit_price, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_price AS DECIMAL(38,2)) END AS unit_price,
          CASE WHEN unit_cost_k IN ('s', 'n') AND REGEXP_LIKE(unit_cost, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_cost AS DECIMAL(38,2)) END AS unit_cost, unit_cost_k, seq
        FROM STAGING.RAW_PRODUCTS_FLAT WHERE batch_id = :batch_id) p
      WHERE product_id IS NOT NULL AND unit_price BETWEEN 0 AND 9999999999.99
        AND (unit_cost_k IS NULL OR unit_cost BETWEEN 0 AND 9999999999.99)
      QUALIFY seq = MAX(seq) OVER (PARTITION BY product_id)),
    v AS (
      SELECT d2.*,
        CASE WHEN unparseable IS NOT NULL OR dup_nk = 1 OR dup_lk = 1 THEN NULL
          WHEN quantity_k = 's' AND REGEXP_LIKE(quantity, '[0-9]+') AND LENGTH(LTRIM(quantity, '0')) <= 16 AND CAST(quantity AS DECIMAL(38,0)) BETWEEN 1 AND 9007199254740991 THEN CAST(quantity AS BIGINT)
          WHEN quantity_k = 'n' AND TRY_CAST(quantity AS DOUBLE) = FLOOR(TRY_CAST(quantity AS DOUBLE)) AND TRY_CAST(quantity AS DOUBLE) BETWEEN 1 AND 9007199254740991 THEN CAST(TRY_CAST(quantity AS DOUBLE) AS BIGINT) END AS qty,
        CASE WHEN d2.unit_price_k IN ('s', 'n') AND REGEXP_LIKE(d2.unit_price, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(d2.unit_price AS DECIMAL(38,2)) END AS line_price,
        CASE WHEN discount_pct_k IN ('s', 'n') AND REGEXP_LIKE(discount_pct, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(discount_pct AS DECIMAL(38,2)) END AS pct,
        CASE WHEN discount_amount_k IN ('s', 'n') AND REGEXP_LIKE(discount_amount, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(discount_amount AS DECIMAL(38,2)) END AS damount,
        CASE WHEN stated_total_k IN ('s', 'n') AND REGEXP_LIKE(stated_total, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(stated_total AS DECIMAL(38,2)) END AS total,
        -- Which version a line joins, as enrich.ts does: this batch's record, an earlier batch's record,
        -- the version the line carries, an earlier batch's carried version (ANALYTICS rows the Lambda path
        -- wrote have no origin here: they count as records).
        CASE WHEN cid IS NULL THEN NULL WHEN bc.customer_id IS NOT NULL THEN 'batch'
          WHEN dc.customer_id IS NOT NULL AND COALESCE(oc.origin, 'record') = 'record' THEN 'earlier'
          WHEN emb_customer THEN 'line' WHEN dc.customer_id IS NOT NULL THEN 'earlier' END AS customer_from,
        CASE WHEN pid IS NULL THEN NULL WHEN bp.product_id IS NOT NULL THEN 'batch'
          WHEN dp.product_id IS NOT NULL AND COALESCE(op.origin, 'record') = 'record' THEN 'earlier'
          WHEN emb_product AND CASE WHEN d2.unit_price_k IN ('s', 'n') AND REGEXP_LIKE(d2.unit_price, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(d2.unit_price AS DECIMAL(38,2)) END BETWEEN 0 AND 9999999999.99 THEN 'line'
          WHEN dp.product_id IS NOT NULL THEN 'earlier' END AS product_from,
        bp.category AS bp_category, bp.unit_price AS bp_price, bp.unit_cost AS bp_cost,
        dp.category AS dp_category, dp.unit_price AS dp_price, CASE WHEN dp.cost_source = 'source' THEN dp.unit_cost END AS dp_cost,
        CASE WHEN REGEXP_LIKE(order_ts, '([0-9]{4})-([0-9]{2})-([0-9]{2})([T ]([0-9]{2}):([0-9]{2})(:([0-9]{2})([.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?', 'i') THEN NULLIF(REGEXP_SUBSTR(order_ts, '^([0-9]{4})-([0-9]{2})-([0-9]{2})', 1, 1, 'e', 1), '') END AS ts_y,
        NULLIF(REGEXP_SUBSTR(order_ts, '^([0-9]{4})-([0-9]{2})-([0-9]{2})', 1, 1, 'e', 2), '') AS ts_mo,
        NULLIF(REGEXP_SUBSTR(order_ts, '^([0-9]{4})-([0-9]{2})-([0-9]{2})', 1, 1, 'e', 3), '') AS ts_d,
        COALESCE(NULLIF(REGEXP_SUBSTR(SUBSTR(order_ts, 12), '^([0-9]{2}):([0-9]{2})(:([0-9]{2})([.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$', 1, 1, 'ie', 1), ''), '00') AS ts_h,
        COALESCE(NULLIF(REGEXP_SUBSTR(SUBSTR(order_ts, 12), '^([0-9]{2}):([0-9]{2})(:([0-9]{2})([.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$', 1, 1, 'ie', 2), ''), '00') AS ts_mi,
        COALESCE(NULLIF(REGEXP_SUBSTR(SUBSTR(order_ts, 12), '^([0-9]{2}):([0-9]{2})(:([0-9]{2})([.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$', 1, 1, 'ie', 4), ''), '00') AS ts_s,
        RPAD(SUBSTR(COALESCE(NULLIF(REGEXP_SUBSTR(SUBSTR(order_ts, 12), '^([0-9]{2}):([0-9]{2})(:([0-9]{2})([.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$', 1, 1, 'ie', 6), ''), ''), 1, 3), 3, '0') AS ts_ms,
        UPPER(COALESCE(NULLIF(REGEXP_SUBSTR(SUBSTR(order_ts, 12), '^([0-9]{2}):([0-9]{2})(:([0-9]{2})([.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$', 1, 1, 'ie', 7), ''), 'Z')) AS ts_zone
      FROM d2
      LEFT JOIN bc ON bc.customer_id = d2.cid
      LEFT JOIN ANALYTICS.DIM_CUSTOMER dc ON dc.source = d2.source AND dc.customer_id = d2.cid
      LEFT JOIN OPS.RAW_DIM_ORIGINS oc ON oc.source = d2.source AND oc.kind = 'customer' AND oc.id = d2.cid
      LEFT JOIN bp ON bp.product_id = d2.pid
      LEFT JOIN ANALYTICS.DIM_PRODUCT dp ON dp.source = d2.source AND dp.product_id = d2.pid
      LEFT JOIN OPS.RAW_DIM_ORIGINS op ON op.source = d2.source AND op.kind = 'product' AND op.id = d2.pid),
    w AS (
      SELECT v.*,
        CASE product_from WHEN 'batch' THEN bp_category WHEN 'earlier' THEN dp_category WHEN 'line' THEN emb_category END AS category,
        CASE product_from WHEN 'batch' THEN bp_price WHEN 'earlier' THEN dp_price END AS product_price,
        CASE product_from WHEN 'batch' THEN bp_cost WHEN 'earlier' THEN dp_cost END AS source_cost
      FROM v),
    p AS (
      SELECT w.*,
        CASE WHEN unit_price_k IS NOT NULL THEN line_price ELSE product_price END AS price,
        CASE WHEN unit_price_k IS NOT NULL AND NOT (line_price BETWEEN 0 AND 9999999999.99) THEN 1
             WHEN unit_price_k IS NOT NULL AND line_price IS NULL THEN 1 ELSE 0 END AS bad_price,
        CASE WHEN ts_y IS NULL OR CAST(ts_mo AS INTEGER) NOT BETWEEN 1 AND 12 OR CAST(ts_h AS INTEGER) > 23 OR CAST(ts_mi AS INTEGER) > 59
               OR CAST(ts_s AS INTEGER) > 59 OR TRY_CAST(ts_y || '-' || ts_mo || '-' || ts_d AS DATE) IS NULL
               OR (ts_zone <> 'Z' AND (CAST(SUBSTR(ts_zone, 2, 2) AS INTEGER) > 14 OR CAST(COALESCE(NULLIF(SUBSTR(REPLACE(ts_zone, ':', ''), 4), ''), '0') AS INTEGER) > 59))
             THEN NULL
             ELSE DATEADD(millisecond, CAST(ts_ms AS INTEGER) - CASE WHEN ts_zone = 'Z' THEN 0 ELSE (CASE WHEN SUBSTR(ts_zone, 1, 1) = '-' THEN -1 ELSE 1 END) * (CAST(SUBSTR(ts_zone, 2, 2) AS INTEGER) * 60 + CAST(COALESCE(NULLIF(SUBSTR(REPLACE(ts_zone, ':', ''), 4), ''), '0') AS INTEGER)) * 60000 END, TRY_CAST(ts_y || '-' || ts_mo || '-' || ts_d || ' ' || ts_h || ':' || ts_mi || ':' || ts_s AS TIMESTAMP)) END AS parsed_ts
      FROM w),
    r AS (
      SELECT p.*,
        CASE WHEN qty IS NOT NULL AND price IS NOT NULL AND bad_price = 0 THEN price * qty END AS gross,
        CASE WHEN order_ts_k IS NULL THEN ingested_at
             WHEN order_ts_k = 's' AND parsed_ts >= CAST('2000-01-01' AS TIMESTAMP) AND parsed_ts <= DATEADD(millisecond, 86400000, ingested_at) THEN parsed_ts END AS ts
      FROM p),
    g AS (
      SELECT r.*,
        CASE WHEN gross <= 9999999999.99 THEN gross END AS revenue,
        CASE WHEN discount_amount_k IS NULL THEN
               CASE WHEN discount_pct_k IS NULL THEN 0 WHEN pct BETWEEN 0 AND 100 THEN pct END
             WHEN gross IS NOT NULL AND gross <= 9999999999.99 THEN CASE WHEN damount BETWEEN 0 AND gross THEN damount END
             WHEN damount BETWEEN 0 AND 9999999999.99 THEN 0 END AS discount_ok_value
      FROM r),
    q AS (
      SELECT g.*,
        CASE WHEN discount_ok_value IS NULL OR revenue IS NULL THEN NULL
             WHEN discount_amount_k IS NOT NULL THEN damount
             ELSE ROUND(revenue * discount_ok_value * 0.01, 2) END AS discount,
        CASE WHEN discount_ok_value IS NULL OR revenue IS NULL THEN NULL
             WHEN discount_amount_k IS NULL THEN discount_ok_value
             WHEN damount = 0 OR revenue = 0 THEN 0
             ELSE CAST(((CAST(damount * 100 AS BIGINT) * 20000 + CAST(revenue * 100 AS BIGINT)) - MOD(CAST(damount * 100 AS BIGINT) * 20000 + CAST(revenue * 100 AS BIGINT), CAST(revenue * 100 AS BIGINT) * 2)) / (CAST(revenue * 100 AS BIGINT) * 2) AS DECIMAL(12,0)) * 0.01 END AS discount_pct_value,
        COALESCE(cr.ratio, cd.ratio) AS cost_ratio
      FROM g
      LEFT JOIN OPS.COST_RATIOS cr ON cr.category = LOWER(g.category)
      LEFT JOIN OPS.COST_RATIOS cd ON cd.category = '*'),
    c AS (
      SELECT q.*,
        CONCAT(
          CASE WHEN oid IS NULL THEN ',MISSING_ORDER_ID' ELSE '' END,
          CASE WHEN line_no IS NULL OR line_no < 1 THEN ',INVALID_RECORD' ELSE '' END,
          CASE WHEN qty IS NULL THEN ',INVALID_QUANTITY' ELSE '' END,
          CASE WHEN bad_price = 1 THEN ',INVALID_PRICE' ELSE '' END,
          CASE WHEN gross IS NOT NULL AND revenue IS NULL THEN ',INVALID_PRICE' ELSE '' END,
          CASE WHEN discount_amount_k IS NULL AND discount_ok_value IS NULL THEN ',INVALID_DISCOUNT'
               WHEN discount_amount_k IS NOT NULL AND discount_ok_value IS NULL THEN ',INVALID_DISCOUNT' ELSE '' END,
          CASE WHEN ts IS NULL THEN ',INVALID_TIMESTAMP' ELSE '' END,
          CASE WHEN customer_from IS NULL THEN ',UNKNOWN_CUSTOMER' ELSE '' END,
          CASE WHEN product_from IS NULL THEN ',UNKNOWN_PRODUCT' ELSE '' END,
          CASE WHEN stated_total_k IS NULL THEN ''
               WHEN total IS NULL OR total < 0 OR total > 90071992547409.91 THEN ',INVALID_TOTAL'
               WHEN revenue IS NULL OR discount IS NULL THEN ''
               WHEN ABS(total - revenue) * 100 <= 1 OR ABS(total - (revenue - discount)) * 100 <= 1 THEN ''
               ELSE ',TOTAL_MISMATCH' END
        ) AS codes
      FROM q)
    SELECT batch_id, source, seq, unparseable, nk, lk, oid, cid, pid, line_no, ts, status, qty, price, line_price, discount_pct_value, revenue, discount, channel, payment_method, customer_from, product_from, emb_first_name, emb_last_name, emb_email, emb_address_line, emb_city, emb_state, emb_country, emb_postal_code, emb_title, emb_category, emb_brand, raw_record, source_file, source_line, ingested_at,
      CASE WHEN unparseable IS NOT NULL THEN 'rejected' WHEN dup_nk = 1 OR dup_lk = 1 THEN 'duplicate'
           WHEN codes = '' AND price IS NOT NULL THEN 'clean' ELSE 'rejected' END AS outcome,
      CASE WHEN unparseable IS NOT NULL THEN 'UNPARSEABLE' WHEN dup_nk = 1 OR dup_lk = 1 THEN 'DUPLICATE'
           ELSE SUBSTR(codes, 2) END AS reason_codes,
      CASE WHEN source_cost IS NOT NULL THEN source_cost ELSE ROUND(price * cost_ratio, 2) END AS unit_cost
    FROM c
    ) x;
    DELETE FROM STAGING.CUSTOMERS_LOAD WHERE batch_id = :batch_id;
    DELETE FROM STAGING.PRODUCTS_LOAD WHERE batch_id = :batch_id;
    DELETE FROM STAGING.ORDER_LINES_LOAD WHERE batch_id = :batch_id;
    DELETE FROM STAGING.ORDERS_LOAD WHERE batch_id = :batch_id;
    DELETE FROM STAGING.ORDER_REJECTS WHERE batch_id = :batch_id;
    INSERT INTO STAGING.CUSTOMERS_LOAD (source, customer_id, first_name, last_name, email, address_line, city, state, country, postal_code, batch_id, ingested_at)
    SELECT source, cid, first_name, last_name, email, address_line, city, state, country, postal_code, batch_id, ingested_at FROM (
      SELECT source, CASE WHEN customer_id_k = 's' THEN customer_id WHEN customer_id_k = 'n' AND TRY_CAST(customer_id AS DOUBLE) = FLOOR(TRY_CAST(customer_id AS DOUBLE)) AND ABS(TRY_CAST(customer_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(customer_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS cid, first_name, last_name, email, address_line, city, state, country, postal_code, batch_id, ingested_at, seq + 1000000000 AS pick FROM STAGING.RAW_CUSTOMERS_FLAT
      WHERE batch_id = :batch_id AND CASE WHEN customer_id_k = 's' THEN customer_id WHEN customer_id_k = 'n' AND TRY_CAST(customer_id AS DOUBLE) = FLOOR(TRY_CAST(customer_id AS DOUBLE)) AND ABS(TRY_CAST(customer_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(customer_id AS DOUBLE) AS BIGINT) AS VARCHAR) END IS NOT NULL
      UNION ALL
      SELECT source, cid, emb_first_name AS first_name, emb_last_name AS last_name, emb_email AS email, emb_address_line AS address_line, emb_city AS city, emb_state AS state, emb_country AS country, emb_postal_code AS postal_code, batch_id, ingested_at, seq AS pick FROM STAGING.RAW_LINES_CLASSIFIED
      WHERE batch_id = :batch_id AND customer_from = 'line' AND outcome <> 'duplicate' AND unparseable IS NULL) x
    QUALIFY pick = MAX(pick) OVER (PARTITION BY cid);
    INSERT INTO STAGING.PRODUCTS_LOAD (source, product_id, title, category, brand, unit_price, unit_cost, cost_source, batch_id, ingested_at)
    SELECT x.source, x.pid, x.title, x.category, x.brand, x.price, COALESCE(x.cost, ROUND(x.price * COALESCE(cr.ratio, cd.ratio), 2)),
      CASE WHEN x.cost IS NULL THEN 'model' ELSE 'source' END, x.batch_id, x.ingested_at FROM (
      SELECT source, CASE WHEN product_id_k = 's' THEN product_id WHEN product_id_k = 'n' AND TRY_CAST(product_id AS DOUBLE) = FLOOR(TRY_CAST(product_id AS DOUBLE)) AND ABS(TRY_CAST(product_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(product_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS pid, title, category, brand, CASE WHEN unit_price_k IN ('s', 'n') AND REGEXP_LIKE(unit_price, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_price AS DECIMAL(38,2)) END AS price, CASE WHEN unit_cost_k IN ('s', 'n') AND REGEXP_LIKE(unit_cost, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_cost AS DECIMAL(38,2)) END AS cost, batch_id, ingested_at, seq + 1000000000 AS pick
      FROM STAGING.RAW_PRODUCTS_FLAT
      WHERE batch_id = :batch_id AND CONCAT(
          CASE WHEN CASE WHEN product_id_k = 's' THEN product_id WHEN product_id_k = 'n' AND TRY_CAST(product_id AS DOUBLE) = FLOOR(TRY_CAST(product_id AS DOUBLE)) AND ABS(TRY_CAST(product_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(product_id AS DOUBLE) AS BIGINT) AS VARCHAR) END IS NULL THEN ',MISSING_PRODUCT_ID' ELSE '' END,
          CASE WHEN CASE WHEN unit_price_k IN ('s', 'n') AND REGEXP_LIKE(unit_price, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_price AS DECIMAL(38,2)) END IS NULL OR CASE WHEN unit_price_k IN ('s', 'n') AND REGEXP_LIKE(unit_price, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_price AS DECIMAL(38,2)) END NOT BETWEEN 0 AND 9999999999.99 THEN ',INVALID_PRICE' ELSE '' END,
          CASE WHEN unit_cost_k IS NOT NULL AND (CASE WHEN unit_cost_k IN ('s', 'n') AND REGEXP_LIKE(unit_cost, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_cost AS DECIMAL(38,2)) END IS NULL OR CASE WHEN unit_cost_k IN ('s', 'n') AND REGEXP_LIKE(unit_cost, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_cost AS DECIMAL(38,2)) END NOT BETWEEN 0 AND 9999999999.99) THEN ',INVALID_COST' ELSE '' END) = ''
      UNION ALL
      SELECT source, pid, emb_title, emb_category, emb_brand, line_price, CAST(NULL AS DECIMAL(38,2)), batch_id, ingested_at, seq AS pick
      FROM STAGING.RAW_LINES_CLASSIFIED
      WHERE batch_id = :batch_id AND product_from = 'line' AND outcome <> 'duplicate' AND unparseable IS NULL) x
    LEFT JOIN OPS.COST_RATIOS cr ON cr.category = LOWER(x.category)
    LEFT JOIN OPS.COST_RATIOS cd ON cd.category = '*'
    QUALIFY x.pick = MAX(x.pick) OVER (PARTITION BY x.pid);
    INSERT INTO STAGING.ORDER_LINES_LOAD (source, order_id, line_no, order_ts, order_date, status, customer_id, product_id, quantity, unit_price, discount_pct, revenue, discount_amount, net_revenue, unit_cost, cost, profit, net_profit, channel, payment_method, source_file, batch_id, ingested_at)
    SELECT source, oid, line_no, ts, CAST(ts AS DATE), COALESCE(LOWER(status), 'completed'), cid, pid, qty, price,
      discount_pct_value, revenue, discount, revenue - discount, unit_cost, unit_cost * qty, revenue - unit_cost * qty,
      revenue - discount - unit_cost * qty, channel, payment_method, source_file, batch_id, ingested_at
    FROM STAGING.RAW_LINES_CLASSIFIED WHERE batch_id = :batch_id AND outcome = 'clean';
    INSERT INTO STAGING.ORDER_REJECTS (source, batch_id, record_type, reason_code, reason_codes, reason_detail, raw_record, record_key, source_file, source_line, ingested_at)
    SELECT source, batch_id, 'customer', code, code, rr.description,
      COALESCE(raw_record, 'null'), CAST(NULL AS VARCHAR), source_file, source_line, ingested_at
    FROM (SELECT f.*, 'MISSING_CUSTOMER_ID' AS code FROM STAGING.RAW_CUSTOMERS_FLAT f WHERE batch_id = :batch_id AND CASE WHEN customer_id_k = 's' THEN customer_id WHEN customer_id_k = 'n' AND TRY_CAST(customer_id AS DOUBLE) = FLOOR(TRY_CAST(customer_id AS DOUBLE)) AND ABS(TRY_CAST(customer_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(customer_id AS DOUBLE) AS BIGINT) AS VARCHAR) END IS NULL) x
    LEFT JOIN OPS.REJECT_REASONS rr ON rr.reason_code = x.code
    ORDER BY seq;
    INSERT INTO STAGING.ORDER_REJECTS (source, batch_id, record_type, reason_code, reason_codes, reason_detail, raw_record, record_key, source_file, source_line, ingested_at)
    SELECT source, batch_id, 'product', code, codes, rr.description,
      COALESCE(raw_record, 'null'), pid, source_file, source_line, ingested_at
    FROM (SELECT y.*, SPLIT_PART(codes, ',', 1) AS code FROM (
      SELECT f.*, CASE WHEN product_id_k = 's' THEN product_id WHEN product_id_k = 'n' AND TRY_CAST(product_id AS DOUBLE) = FLOOR(TRY_CAST(product_id AS DOUBLE)) AND ABS(TRY_CAST(product_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(product_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS pid, SUBSTR(CONCAT(
          CASE WHEN CASE WHEN product_id_k = 's' THEN product_id WHEN product_id_k = 'n' AND TRY_CAST(product_id AS DOUBLE) = FLOOR(TRY_CAST(product_id AS DOUBLE)) AND ABS(TRY_CAST(product_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(product_id AS DOUBLE) AS BIGINT) AS VARCHAR) END IS NULL THEN ',MISSING_PRODUCT_ID' ELSE '' END,
          CASE WHEN CASE WHEN unit_price_k IN ('s', 'n') AND REGEXP_LIKE(unit_price, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_price AS DECIMAL(38,2)) END IS NULL OR CASE WHEN unit_price_k IN ('s', 'n') AND REGEXP_LIKE(unit_price, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_price AS DECIMAL(38,2)) END NOT BETWEEN 0 AND 9999999999.99 THEN ',INVALID_PRICE' ELSE '' END,
          CASE WHEN unit_cost_k IS NOT NULL AND (CASE WHEN unit_cost_k IN ('s', 'n') AND REGEXP_LIKE(unit_cost, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_cost AS DECIMAL(38,2)) END IS NULL OR CASE WHEN unit_cost_k IN ('s', 'n') AND REGEXP_LIKE(unit_cost, '[+-]?[0-9]+([.][0-9]{1,2}0*|[.]0+)?') THEN TRY_CAST(unit_cost AS DECIMAL(38,2)) END NOT BETWEEN 0 AND 9999999999.99) THEN ',INVALID_COST' ELSE '' END), 2) AS codes FROM STAGING.RAW_PRODUCTS_FLAT f WHERE batch_id = :batch_id) y
      WHERE codes <> '') x
    LEFT JOIN OPS.REJECT_REASONS rr ON rr.reason_code = x.code
    ORDER BY seq;
    INSERT INTO STAGING.ORDER_REJECTS (source, batch_id, record_type, reason_code, reason_codes, reason_detail, raw_record, record_key, source_file, source_line, ingested_at)
    SELECT source, batch_id, 'order_line', code, reason_codes, rr.description,
      COALESCE(raw_record, 'null'), COALESCE(nk, lk), source_file, source_line, ingested_at
    FROM (SELECT c.*, SPLIT_PART(reason_codes, ',', 1) AS code FROM STAGING.RAW_LINES_CLASSIFIED c WHERE batch_id = :batch_id AND outcome <> 'clean') x
    LEFT JOIN OPS.REJECT_REASONS rr ON rr.reason_code = x.code
    ORDER BY seq;
    MERGE INTO ANALYTICS.DIM_CUSTOMER t
    USING (SELECT source, customer_id, first_name, last_name, email, batch_id, ingested_at FROM STAGING.CUSTOMERS_LOAD WHERE batch_id = :batch_id
      QUALIFY ROW_NUMBER() OVER (PARTITION BY source, customer_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
    ON t.source = s.source AND t.customer_id = s.customer_id
    WHEN MATCHED THEN UPDATE SET first_name = s.first_name, last_name = s.last_name, email = s.email, batch_id = s.batch_id, ingested_at = s.ingested_at
    WHEN NOT MATCHED THEN INSERT (source, customer_id, first_name, last_name, email, batch_id, ingested_at) VALUES (s.source, s.customer_id, s.first_name, s.last_name, s.email, s.batch_id, s.ingested_at);
    MERGE INTO ANALYTICS.DIM_ADDRESS t
    USING (SELECT source, customer_id, address_line, city, state, country, postal_code, batch_id, ingested_at FROM STAGING.CUSTOMERS_LOAD WHERE batch_id = :batch_id
      QUALIFY ROW_NUMBER() OVER (PARTITION BY source, customer_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
    ON t.source = s.source AND t.customer_id = s.customer_id
    WHEN MATCHED THEN UPDATE SET address_line = s.address_line, city = s.city, state = s.state, country = s.country, postal_code = s.postal_code, batch_id = s.batch_id, ingested_at = s.ingested_at
    WHEN NOT MATCHED THEN INSERT (source, customer_id, address_line, city, state, country, postal_code, batch_id, ingested_at) VALUES (s.source, s.customer_id, s.address_line, s.city, s.state, s.country, s.postal_code, s.batch_id, s.ingested_at);
    MERGE INTO ANALYTICS.DIM_PRODUCT t
    USING (SELECT source, product_id, title, category, brand, unit_price, unit_cost, cost_source, batch_id, ingested_at FROM STAGING.PRODUCTS_LOAD WHERE batch_id = :batch_id
      QUALIFY ROW_NUMBER() OVER (PARTITION BY source, product_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
    ON t.source = s.source AND t.product_id = s.product_id
    WHEN MATCHED THEN UPDATE SET title = s.title, category = s.category, brand = s.brand, unit_price = s.unit_price, unit_cost = s.unit_cost, cost_source = s.cost_source, batch_id = s.batch_id, ingested_at = s.ingested_at
    WHEN NOT MATCHED THEN INSERT (source, product_id, title, category, brand, unit_price, unit_cost, cost_source, batch_id, ingested_at) VALUES (s.source, s.product_id, s.title, s.category, s.brand, s.unit_price, s.unit_cost, s.cost_source, s.batch_id, s.ingested_at);
    MERGE INTO ANALYTICS.FACT_ORDER_LINES t
    USING (SELECT source, order_id, line_no, order_ts, order_date, status, customer_id, product_id, quantity, unit_price, discount_pct, revenue, discount_amount, net_revenue, unit_cost, cost, profit, net_profit, channel, payment_method, source_file, batch_id, ingested_at FROM STAGING.ORDER_LINES_LOAD WHERE batch_id = :batch_id
      QUALIFY ROW_NUMBER() OVER (PARTITION BY source, order_id, line_no ORDER BY ingested_at DESC, batch_id DESC) = 1) s
    ON t.source = s.source AND t.order_id = s.order_id AND t.line_no = s.line_no
    WHEN MATCHED THEN UPDATE SET order_ts = s.order_ts, order_date = s.order_date, status = s.status, customer_id = s.customer_id, product_id = s.product_id, quantity = s.quantity, unit_price = s.unit_price, discount_pct = s.discount_pct, revenue = s.revenue, discount_amount = s.discount_amount, net_revenue = s.net_revenue, unit_cost = s.unit_cost, cost = s.cost, profit = s.profit, net_profit = s.net_profit, channel = s.channel, payment_method = s.payment_method, source_file = s.source_file, batch_id = s.batch_id, ingested_at = s.ingested_at
    WHEN NOT MATCHED THEN INSERT (source, order_id, line_no, order_ts, order_date, status, customer_id, product_id, quantity, unit_price, discount_pct, revenue, discount_amount, net_revenue, unit_cost, cost, profit, net_profit, channel, payment_method, source_file, batch_id, ingested_at) VALUES (s.source, s.order_id, s.line_no, s.order_ts, s.order_date, s.status, s.customer_id, s.product_id, s.quantity, s.unit_price, s.discount_pct, s.revenue, s.discount_amount, s.net_revenue, s.unit_cost, s.cost, s.profit, s.net_profit, s.channel, s.payment_method, s.source_file, s.batch_id, s.ingested_at);
    MERGE INTO OPS.RAW_DIM_ORIGINS t
    USING (
      SELECT l.source, 'customer' AS kind, l.customer_id AS id, CASE WHEN r.id IS NULL THEN 'embedded' ELSE 'record' END AS origin, l.batch_id
      FROM STAGING.CUSTOMERS_LOAD l
      LEFT JOIN (SELECT DISTINCT CASE WHEN customer_id_k = 's' THEN customer_id WHEN customer_id_k = 'n' AND TRY_CAST(customer_id AS DOUBLE) = FLOOR(TRY_CAST(customer_id AS DOUBLE)) AND ABS(TRY_CAST(customer_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(customer_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS id FROM STAGING.RAW_CUSTOMERS_FLAT WHERE batch_id = :batch_id) r ON r.id = l.customer_id
      WHERE l.batch_id = :batch_id) s
    ON t.source = s.source AND t.kind = s.kind AND t.id = s.id
    WHEN MATCHED THEN UPDATE SET origin = s.origin, batch_id = s.batch_id
    WHEN NOT MATCHED THEN INSERT (source, kind, id, origin, batch_id) VALUES (s.source, s.kind, s.id, s.origin, s.batch_id);
    MERGE INTO OPS.RAW_DIM_ORIGINS t
    USING (
      SELECT l.source, 'product' AS kind, l.product_id AS id, CASE WHEN r.id IS NULL THEN 'embedded' ELSE 'record' END AS origin, l.batch_id
      FROM STAGING.PRODUCTS_LOAD l
      LEFT JOIN (SELECT DISTINCT CASE WHEN product_id_k = 's' THEN product_id WHEN product_id_k = 'n' AND TRY_CAST(product_id AS DOUBLE) = FLOOR(TRY_CAST(product_id AS DOUBLE)) AND ABS(TRY_CAST(product_id AS DOUBLE)) <= 9007199254740991 THEN CAST(CAST(TRY_CAST(product_id AS DOUBLE) AS BIGINT) AS VARCHAR) END AS id FROM STAGING.RAW_PRODUCTS_FLAT WHERE batch_id = :batch_id) r ON r.id = l.product_id
      WHERE l.batch_id = :batch_id) s
    ON t.source = s.source AND t.kind = s.kind AND t.id = s.id
    WHEN MATCHED THEN UPDATE SET origin = s.origin, batch_id = s.batch_id
    WHEN NOT MATCHED THEN INSERT (source, kind, id, origin, batch_id) VALUES (s.source, s.kind, s.id, s.origin, s.batch_id);
    INSERT INTO OPS.LOAD_AUDIT (batch_id, manifest_key, load_mode, order_lines, customers, products, rejects, loaded_at)
    SELECT :batch_id, (SELECT MAX(source_file) FROM RAW.MANIFESTS_RAW WHERE GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR = :batch_id),
      'procedure', (SELECT COUNT(*) FROM STAGING.ORDER_LINES_LOAD WHERE batch_id = :batch_id), (SELECT COUNT(*) FROM STAGING.CUSTOMERS_LOAD WHERE batch_id = :batch_id), (SELECT COUNT(*) FROM STAGING.PRODUCTS_LOAD WHERE batch_id = :batch_id),
      (SELECT COUNT(*) FROM STAGING.ORDER_REJECTS WHERE batch_id = :batch_id), CURRENT_TIMESTAMP;
  COMMIT;
  RETURN 'loaded';
EXCEPTION
  WHEN OTHER THEN
    ROLLBACK;
    RAISE;
END;
$$;

-- Every run whose files have landed: record the runs the streams saw, load their manifests, then
-- transform each complete run (manifest and every listed file with records present), oldest first.
CREATE OR REPLACE PROCEDURE RAW.TRANSFORM_PENDING()
  RETURNS VARCHAR
  LANGUAGE SQL
  EXECUTE AS OWNER
AS
$$
DECLARE
  transformed INTEGER DEFAULT 0;
  waiting INTEGER DEFAULT 0;
  failed INTEGER DEFAULT 0;
  manifests INTEGER DEFAULT 0;
  missing INTEGER DEFAULT 0;
  outcome VARCHAR;
  error_message VARCHAR;
  pending_paths CURSOR FOR SELECT run_path FROM OPS.RAW_RUNS WHERE transformed_at IS NULL ORDER BY first_seen, batch_id;
  pending_runs CURSOR FOR SELECT batch_id FROM OPS.RAW_RUNS WHERE transformed_at IS NULL ORDER BY first_seen, batch_id;
BEGIN
  -- One statement reads the three streams, so their offsets move together.
  MERGE INTO OPS.RAW_RUNS t
  USING (
    SELECT DISTINCT REGEXP_SUBSTR(source_file, 'source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/', 1, 1, 'e', 1) || '-' || REGEXP_SUBSTR(source_file, 'source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/', 1, 1, 'e', 3) AS batch_id, REGEXP_SUBSTR(source_file, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/)', 1, 1, 'e', 1) AS run_path
    FROM (SELECT source_file FROM RAW.CUSTOMERS_RAW_STREAM
      UNION ALL SELECT source_file FROM RAW.PRODUCTS_RAW_STREAM
      UNION ALL SELECT source_file FROM RAW.ORDERS_RAW_STREAM) s
    WHERE REGEXP_LIKE(REGEXP_SUBSTR(source_file, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/)', 1, 1, 'e', 1), '^source=[A-Za-z0-9_.-]+/ingest_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/run_id=[A-Za-z0-9_.-]+/$')) s
  ON t.batch_id = s.batch_id
  WHEN NOT MATCHED THEN INSERT (batch_id, run_path, first_seen) VALUES (s.batch_id, s.run_path, CURRENT_TIMESTAMP());
  -- The manifest is written last; COPY skips a manifest it loaded before (64-day load history).
  FOR run IN pending_paths DO
    LET path VARCHAR := run.run_path;
    LET copy_manifest VARCHAR := 'COPY INTO RAW.MANIFESTS_RAW (record, source_file, file_row_number, loaded_at) FROM (SELECT $1, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME FROM @RAW.RAW_STAGE/' || path || ') FILES = (''_manifest.json'') FILE_FORMAT = (FORMAT_NAME = ''STAGING.JSON_FORMAT'') ON_ERROR = CONTINUE';
    EXECUTE IMMEDIATE :copy_manifest;
  END FOR;
  FOR run IN pending_runs DO
    LET batch_id VARCHAR := run.batch_id;
    SELECT COUNT(*) INTO :manifests FROM RAW.MANIFESTS_RAW WHERE GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR = :batch_id;
    SELECT COUNT(*) INTO :missing FROM (
      SELECT mm.batch_id, mm.source, mm.manifest_file,
        CAST(REPLACE(REPLACE(GET(mm.record, 'ingested_at')::VARCHAR, 'T', ' '), 'Z', '') AS TIMESTAMP) AS ingested_at,
        REGEXP_SUBSTR(GET(mf.value, 'key')::VARCHAR, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/.*)$', 1, 1, 'e', 1) AS rel_path,
        COALESCE(NULLIF(GET(mf.value, 'url')::VARCHAR, ''), GET(mf.value, 'key')::VARCHAR) AS file_url,
        CAST(GET(mf.value, 'records')::VARCHAR AS INTEGER) AS records,
        mf.index AS file_pos
      FROM (SELECT record, source_file AS manifest_file, GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR AS batch_id, GET(record, 'source')::VARCHAR AS source
        FROM RAW.MANIFESTS_RAW
        WHERE GET(record, 'source')::VARCHAR || '-' || GET(record, 'run_id')::VARCHAR = :batch_id
        QUALIFY ROW_NUMBER() OVER (ORDER BY loaded_at DESC, source_file DESC) = 1) mm,
        LATERAL FLATTEN(input => GET(mm.record, 'files')) mf
    ) f WHERE f.records > 0 AND NOT EXISTS (SELECT 1 FROM (SELECT source_file FROM RAW.CUSTOMERS_RAW UNION ALL SELECT source_file FROM RAW.PRODUCTS_RAW UNION ALL SELECT source_file FROM RAW.ORDERS_RAW) r WHERE REGEXP_SUBSTR(r.source_file, '(source=([^/]+)/ingest_date=([^/]+)/run_id=([^/]+)/.*)$', 1, 1, 'e', 1) = f.rel_path);
    IF (manifests > 0 AND missing = 0) THEN
      -- A run that fails stays pending (retried on the next trigger) and does not hold up the others.
      BEGIN
        CALL RAW.TRANSFORM_BATCH(:batch_id) INTO :outcome;
        UPDATE OPS.RAW_RUNS SET transformed_at = CURRENT_TIMESTAMP(), outcome = :outcome WHERE batch_id = :batch_id;
        transformed := transformed + 1;
      EXCEPTION
        WHEN OTHER THEN
          error_message := LEFT('failed: ' || SQLERRM, 1000);
          UPDATE OPS.RAW_RUNS SET outcome = :error_message WHERE batch_id = :batch_id;
          failed := failed + 1;
      END;
    ELSE
      waiting := waiting + 1;
    END IF;
  END FOR;
  RETURN transformed || ' run(s) transformed, ' || failed || ' failed, ' || waiting || ' waiting for files';
END;
$$;

CREATE OR REPLACE TASK OPS.TRANSFORM_RAW
  WAREHOUSE = {{ load_warehouse }}
  SCHEDULE = '{{ task_schedule }}'
  WHEN SYSTEM$STREAM_HAS_DATA('RAW.CUSTOMERS_RAW_STREAM') OR SYSTEM$STREAM_HAS_DATA('RAW.PRODUCTS_RAW_STREAM') OR SYSTEM$STREAM_HAS_DATA('RAW.ORDERS_RAW_STREAM')
AS
CALL RAW.TRANSFORM_PENDING();

ALTER TASK OPS.TRANSFORM_RAW RESUME;
