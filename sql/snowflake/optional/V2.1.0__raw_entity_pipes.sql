-- Snowflake only, optional (--with-snowpipe): raw landing per entity, the input of the Snowflake-native
-- path (R__raw_transform.sql). It extends V2.0.0 (same stage RAW.RAW_STAGE, same integration, same JSON
-- file format): one auto-ingest pipe per raw entity loads the part files of every run
-- (raw/source=S/ingest_date=D/run_id=R/<entity>/part-N.json) into RAW.<ENTITY>_RAW, each record as a
-- VARIANT with its file, row and load time from the stage's metadata. RAW.API_PAGES_PIPE loaded the same
-- files into one table: it is dropped (RAW.API_PAGES keeps what it loaded). The manifests go to
-- RAW.MANIFESTS_RAW by COPY from RAW.TRANSFORM_PENDING, not by a pipe: S3 delivers a key's event to one
-- destination, and raw/ ..._manifest.json is enrich's. The pipes' SQS queue (SHOW PIPES IN SCHEMA RAW ->
-- notification_channel, the same for every pipe of the account) is notified by serverless.yml's
-- snowpipeQueueArn for raw/ keys ending in 0.json ... 9.json: every part-N.json, never _manifest.json.
-- Streams on the RAW tables wake the transform task (R__raw_transform.sql). Snowpipe keeps a 14-day load
-- history per pipe, so an event delivered twice loads once; a rewritten part (new ETag) loads again and
-- the transform reads each file's latest load only.
DROP PIPE IF EXISTS RAW.API_PAGES_PIPE;

CREATE TABLE IF NOT EXISTS RAW.CUSTOMERS_RAW (
  record VARIANT,
  source_file VARCHAR NOT NULL,
  file_row_number INTEGER,
  loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS RAW.PRODUCTS_RAW (
  record VARIANT,
  source_file VARCHAR NOT NULL,
  file_row_number INTEGER,
  loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS RAW.ORDERS_RAW (
  record VARIANT,
  source_file VARCHAR NOT NULL,
  file_row_number INTEGER,
  loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS RAW.MANIFESTS_RAW (
  record VARIANT,
  source_file VARCHAR NOT NULL,
  file_row_number INTEGER,
  loaded_at TIMESTAMP NOT NULL
);

CREATE PIPE IF NOT EXISTS RAW.CUSTOMERS_RAW_PIPE
  AUTO_INGEST = TRUE
AS
COPY INTO RAW.CUSTOMERS_RAW (record, source_file, file_row_number, loaded_at)
FROM (SELECT $1, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME FROM @RAW.RAW_STAGE)
FILE_FORMAT = (FORMAT_NAME = 'STAGING.JSON_FORMAT')
PATTERN = '.*/customers/part-[0-9]+[.]json';

CREATE PIPE IF NOT EXISTS RAW.PRODUCTS_RAW_PIPE
  AUTO_INGEST = TRUE
AS
COPY INTO RAW.PRODUCTS_RAW (record, source_file, file_row_number, loaded_at)
FROM (SELECT $1, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME FROM @RAW.RAW_STAGE)
FILE_FORMAT = (FORMAT_NAME = 'STAGING.JSON_FORMAT')
PATTERN = '.*/products/part-[0-9]+[.]json';

CREATE PIPE IF NOT EXISTS RAW.ORDERS_RAW_PIPE
  AUTO_INGEST = TRUE
AS
COPY INTO RAW.ORDERS_RAW (record, source_file, file_row_number, loaded_at)
FROM (SELECT $1, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME FROM @RAW.RAW_STAGE)
FILE_FORMAT = (FORMAT_NAME = 'STAGING.JSON_FORMAT')
PATTERN = '.*/orders/part-[0-9]+[.]json';

CREATE STREAM IF NOT EXISTS RAW.CUSTOMERS_RAW_STREAM
  ON TABLE RAW.CUSTOMERS_RAW APPEND_ONLY = TRUE;

CREATE STREAM IF NOT EXISTS RAW.PRODUCTS_RAW_STREAM
  ON TABLE RAW.PRODUCTS_RAW APPEND_ONLY = TRUE;

CREATE STREAM IF NOT EXISTS RAW.ORDERS_RAW_STREAM
  ON TABLE RAW.ORDERS_RAW APPEND_ONLY = TRUE;
