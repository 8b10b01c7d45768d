-- Snowflake only. The curated bucket as an external stage, read through a storage integration (no keys
-- in Snowflake): Snowflake assumes storage_aws_role_arn (serverless.yml's SnowflakeStorageRole, output
-- SnowflakeStorageRoleArn) presenting storage_external_id (its trust policy's sts:ExternalId). After
-- the first run, `DESC INTEGRATION {{ storage_integration }}` gives STORAGE_AWS_IAM_USER_ARN: deploy it
-- as the role's principal (param snowflakeIamUserArn). CREATE INTEGRATION needs ACCOUNTADMIN (or the
-- CREATE INTEGRATION privilege). The stage URL ends at curated/: COPY names files relative to it.
CREATE STORAGE INTEGRATION IF NOT EXISTS {{ storage_integration }}
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = '{{ storage_aws_role_arn }}'
  STORAGE_AWS_EXTERNAL_ID = '{{ storage_external_id }}'
  STORAGE_ALLOWED_LOCATIONS = ('s3://{{ curated_bucket }}/curated/');

CREATE STAGE IF NOT EXISTS STAGING.CURATED_STAGE
  URL = 's3://{{ curated_bucket }}/curated/'
  STORAGE_INTEGRATION = {{ storage_integration }}
  FILE_FORMAT = (FORMAT_NAME = 'STAGING.PARQUET_FORMAT');
