-- Snowflake only, optional (npm run migrate -- --target snowflake --with-snowpipe): the raw zone's API
-- pages as received, one VARIANT a page, loaded continuously by Snowpipe for ad-hoc inspection and
-- replays in SQL. The pipeline itself never reads RAW. Its own integration and role (raw_storage_*),
-- limited to raw/. After it runs, `SHOW PIPES IN SCHEMA RAW` gives notification_channel: an SQS ARN that
-- the raw bucket must notify on ObjectCreated for prefix raw/, suffix .json (serverless.yml). Snowpipe
-- keeps its own 14-day load history per pipe, so an event delivered twice loads once.
CREATE TABLE IF NOT EXISTS RAW.API_PAGES (
  record VARIANT,
  source_file VARCHAR NOT NULL,
  file_row_number INTEGER,
  loaded_at TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP()
);

CREATE STORAGE INTEGRATION IF NOT EXISTS {{ raw_storage_integration }}
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = '{{ raw_storage_aws_role_arn }}'
  STORAGE_AWS_EXTERNAL_ID = '{{ storage_external_id }}'
  STORAGE_ALLOWED_LOCATIONS = ('s3://{{ raw_bucket }}/raw/');

CREATE STAGE IF NOT EXISTS RAW.RAW_STAGE
  URL = 's3://{{ raw_bucket }}/raw/'
  STORAGE_INTEGRATION = {{ raw_storage_integration }}
  FILE_FORMAT = (FORMAT_NAME = 'STAGING.JSON_FORMAT');

CREATE PIPE IF NOT EXISTS RAW.API_PAGES_PIPE
  AUTO_INGEST = TRUE
AS
COPY INTO RAW.API_PAGES (record, source_file, file_row_number)
FROM (SELECT $1, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER FROM @RAW.RAW_STAGE)
FILE_FORMAT = (FORMAT_NAME = 'STAGING.JSON_FORMAT')
PATTERN = '.*/part-[0-9]+[.]json';
