-- Snowflake only. What the loader's role may do, and nothing more: stage (DELETE + COPY INTO STAGING),
-- MERGE (SELECT, INSERT, UPDATE on ANALYTICS), audit (SELECT, INSERT on OPS.LOAD_AUDIT), and read the
-- curated stage. It owns nothing and runs no DDL: migrations run with the deploying role. Grants on
-- ALL TABLES cover the tables that exist now: a later version adding a table grants on it too.
GRANT USAGE ON SCHEMA STAGING TO ROLE {{ loader_role }};
GRANT USAGE ON SCHEMA ANALYTICS TO ROLE {{ loader_role }};
GRANT USAGE ON SCHEMA OPS TO ROLE {{ loader_role }};
GRANT USAGE ON STAGE STAGING.CURATED_STAGE TO ROLE {{ loader_role }};
GRANT USAGE ON FILE FORMAT STAGING.PARQUET_FORMAT TO ROLE {{ loader_role }};
GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA STAGING TO ROLE {{ loader_role }};
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ANALYTICS TO ROLE {{ loader_role }};
GRANT SELECT, INSERT ON TABLE OPS.LOAD_AUDIT TO ROLE {{ loader_role }};
