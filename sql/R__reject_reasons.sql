-- GENERATED from shared/domain/reject-reasons.ts by `npm run migrate -- --generate`; do not edit.
-- Portable: Snowflake and DuckDB. The reason codes of rejected rows, shared by the TypeScript enrich
-- and the Snowflake procedures (sql/snowflake/optional/R__raw_transform.sql): outcome is what a row
-- with the code counts as in a batch's conservation (rows_in = clean + rejected + duplicates).

CREATE OR REPLACE TABLE OPS.REJECT_REASONS (
  reason_code VARCHAR NOT NULL PRIMARY KEY,
  outcome VARCHAR NOT NULL,
  description VARCHAR NOT NULL
);

INSERT INTO OPS.REJECT_REASONS (reason_code, outcome, description) VALUES
  ('MISSING_ORDER_ID', 'rejected', 'the order line has no order (or event) id'),
  ('MISSING_CUSTOMER_ID', 'rejected', 'the customer record has no customer id'),
  ('MISSING_PRODUCT_ID', 'rejected', 'the product record has no product id'),
  ('INVALID_TIMESTAMP', 'rejected', 'the order time is not ISO-8601, does not exist, is before 2000 or over a day after ingestion'),
  ('INVALID_COST', 'rejected', 'the product''s own cost is not an amount between 0 and 9999999999.99 with at most 2 decimals'),
  ('DUPLICATE', 'duplicate', 'the same event id, or order id and line number, was seen earlier in the batch'),
  ('INVALID_QUANTITY', 'rejected', 'the quantity is not an integer greater than zero'),
  ('INVALID_PRICE', 'rejected', 'the unit price is not an amount between 0 and 9999999999.99 with at most 2 decimals, or quantity x price exceeds it'),
  ('INVALID_DISCOUNT', 'rejected', 'the discount is not a percentage in 0..100, or an amount between 0 and the revenue'),
  ('UNKNOWN_CUSTOMER', 'rejected', 'the customer id is missing or names no known customer'),
  ('UNKNOWN_PRODUCT', 'rejected', 'the product id is missing or names no known product'),
  ('INVALID_RECORD', 'rejected', 'the record does not have the shape of its source (e.g. a line number that is not positive)'),
  ('UNPARSEABLE', 'rejected', 'the line or row could not be parsed (not JSON, cut short, wrong CSV field count)'),
  ('TOTAL_MISMATCH', 'rejected', 'the stated line total differs from quantity x unit price (before or after discount) by over a cent'),
  ('INVALID_TOTAL', 'rejected', 'the stated line total is not an amount >= 0');
