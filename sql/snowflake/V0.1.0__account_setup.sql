-- Snowflake only. Account-level setup: the loader's role and warehouse, and the database. Runs with
-- the deploying role (it needs CREATE ROLE, CREATE WAREHOUSE and CREATE DATABASE: SYSADMIN with
-- USERADMIN granted, or ACCOUNTADMIN on the first run). The runner has already created the database,
-- since the migration history lives in it (OPS.SCHEMA_MIGRATIONS); IF NOT EXISTS keeps this re-runnable
-- by hand. {{ ... }} are migration variables (npm run migrate -- --target snowflake --var name=value).
CREATE ROLE IF NOT EXISTS {{ loader_role }};
GRANT ROLE {{ loader_role }} TO ROLE SYSADMIN;

-- XSMALL, suspended after 60 s idle: one batch at a time is small work.
CREATE WAREHOUSE IF NOT EXISTS {{ load_warehouse }}
  WAREHOUSE_SIZE = 'XSMALL'
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE;

CREATE DATABASE IF NOT EXISTS {{ database }};

GRANT USAGE ON WAREHOUSE {{ load_warehouse }} TO ROLE {{ loader_role }};
GRANT USAGE ON DATABASE {{ database }} TO ROLE {{ loader_role }};
