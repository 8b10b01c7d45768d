-- Snowflake only. File formats of the stages. Parquet: logical types on (DECIMAL(12,2), DATE and UTC
-- microsecond timestamps load as such; without it they load as raw integers) and the vectorized scanner
-- (about 3x faster Parquet loads). JSON: the raw zone's API pages (optional Snowpipe).
CREATE FILE FORMAT IF NOT EXISTS STAGING.PARQUET_FORMAT
  TYPE = PARQUET
  USE_LOGICAL_TYPE = TRUE
  USE_VECTORIZED_SCANNER = TRUE;

CREATE FILE FORMAT IF NOT EXISTS STAGING.JSON_FORMAT
  TYPE = JSON
  STRIP_OUTER_ARRAY = TRUE;
