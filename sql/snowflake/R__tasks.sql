-- GENERATED from shared/domain/load-statements.ts by `npm run migrate -- --generate`; do not edit.
-- Snowflake only. The CDC alternative to the loader-side MERGE: the loader COPYs into STAGING and
-- writes OPS.LOAD_AUDIT; these tasks MERGE what the streams captured into ANALYTICS. Created for
-- both load modes; resumed only when load_mode = 'tasks' (SNOWFLAKE_LOAD_MODE=tasks for the loader).

CREATE OR REPLACE TASK OPS.MERGE_DIM_CUSTOMER
  WAREHOUSE = {{ load_warehouse }}
  SCHEDULE = '{{ task_schedule }}'
  WHEN SYSTEM$STREAM_HAS_DATA('STAGING.CUSTOMERS_LOAD_DIM_CUSTOMER_STREAM')
AS
MERGE INTO ANALYTICS.DIM_CUSTOMER t
USING (SELECT source, customer_id, first_name, last_name, email, batch_id, ingested_at FROM STAGING.CUSTOMERS_LOAD_DIM_CUSTOMER_STREAM
  QUALIFY ROW_NUMBER() OVER (PARTITION BY source, customer_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
ON t.source = s.source AND t.customer_id = s.customer_id
WHEN MATCHED THEN UPDATE SET first_name = s.first_name, last_name = s.last_name, email = s.email, batch_id = s.batch_id, ingested_at = s.ingested_at
WHEN NOT MATCHED THEN INSERT (source, customer_id, first_name, last_name, email, batch_id, ingested_at) VALUES (s.source, s.customer_id, s.first_name, s.last_name, s.email, s.batch_id, s.ingested_at);

ALTER TASK OPS.MERGE_DIM_CUSTOMER {{ task_action }};

CREATE OR REPLACE TASK OPS.MERGE_DIM_ADDRESS
  WAREHOUSE = {{ load_warehouse }}
  SCHEDULE = '{{ task_schedule }}'
  WHEN SYSTEM$STREAM_HAS_DATA('STAGING.CUSTOMERS_LOAD_DIM_ADDRESS_STREAM')
AS
MERGE INTO ANALYTICS.DIM_ADDRESS t
USING (SELECT source, customer_id, address_line, city, state, country, postal_code, batch_id, ingested_at FROM STAGING.CUSTOMERS_LOAD_DIM_ADDRESS_STREAM
  QUALIFY ROW_NUMBER() OVER (PARTITION BY source, customer_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
ON t.source = s.source AND t.customer_id = s.customer_id
WHEN MATCHED THEN UPDATE SET address_line = s.address_line, city = s.city, state = s.state, country = s.country, postal_code = s.postal_code, batch_id = s.batch_id, ingested_at = s.ingested_at
WHEN NOT MATCHED THEN INSERT (source, customer_id, address_line, city, state, country, postal_code, batch_id, ingested_at) VALUES (s.source, s.customer_id, s.address_line, s.city, s.state, s.country, s.postal_code, s.batch_id, s.ingested_at);

ALTER TASK OPS.MERGE_DIM_ADDRESS {{ task_action }};

CREATE OR REPLACE TASK OPS.MERGE_DIM_PRODUCT
  WAREHOUSE = {{ load_warehouse }}
  SCHEDULE = '{{ task_schedule }}'
  WHEN SYSTEM$STREAM_HAS_DATA('STAGING.PRODUCTS_LOAD_DIM_PRODUCT_STREAM')
AS
MERGE INTO ANALYTICS.DIM_PRODUCT t
USING (SELECT source, product_id, title, category, brand, unit_price, unit_cost, cost_source, batch_id, ingested_at FROM STAGING.PRODUCTS_LOAD_DIM_PRODUCT_STREAM
  QUALIFY ROW_NUMBER() OVER (PARTITION BY source, product_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
ON t.source = s.source AND t.product_id = s.product_id
WHEN MATCHED THEN UPDATE SET title = s.title, category = s.category, brand = s.brand, unit_price = s.unit_price, unit_cost = s.unit_cost, cost_source = s.cost_source, batch_id = s.batch_id, ingested_at = s.ingested_at
WHEN NOT MATCHED THEN INSERT (source, product_id, title, category, brand, unit_price, unit_cost, cost_source, batch_id, ingested_at) VALUES (s.source, s.product_id, s.title, s.category, s.brand, s.unit_price, s.unit_cost, s.cost_source, s.batch_id, s.ingested_at);

ALTER TASK OPS.MERGE_DIM_PRODUCT {{ task_action }};

CREATE OR REPLACE TASK OPS.MERGE_FACT_ORDER_LINES
  WAREHOUSE = {{ load_warehouse }}
  SCHEDULE = '{{ task_schedule }}'
  WHEN SYSTEM$STREAM_HAS_DATA('STAGING.ORDER_LINES_LOAD_FACT_ORDER_LINES_STREAM')
AS
MERGE INTO ANALYTICS.FACT_ORDER_LINES t
USING (SELECT source, order_id, line_no, order_ts, order_date, status, customer_id, product_id, quantity, unit_price, discount_pct, revenue, discount_amount, net_revenue, unit_cost, cost, profit, net_profit, channel, payment_method, source_file, batch_id, ingested_at FROM STAGING.ORDER_LINES_LOAD_FACT_ORDER_LINES_STREAM
  QUALIFY ROW_NUMBER() OVER (PARTITION BY source, order_id, line_no ORDER BY ingested_at DESC, batch_id DESC) = 1) s
ON t.source = s.source AND t.order_id = s.order_id AND t.line_no = s.line_no
WHEN MATCHED THEN UPDATE SET order_ts = s.order_ts, order_date = s.order_date, status = s.status, customer_id = s.customer_id, product_id = s.product_id, quantity = s.quantity, unit_price = s.unit_price, discount_pct = s.discount_pct, revenue = s.revenue, discount_amount = s.discount_amount, net_revenue = s.net_revenue, unit_cost = s.unit_cost, cost = s.cost, profit = s.profit, net_profit = s.net_profit, channel = s.channel, payment_method = s.payment_method, source_file = s.source_file, batch_id = s.batch_id, ingested_at = s.ingested_at
WHEN NOT MATCHED THEN INSERT (source, order_id, line_no, order_ts, order_date, status, customer_id, product_id, quantity, unit_price, discount_pct, revenue, discount_amount, net_revenue, unit_cost, cost, profit, net_profit, channel, payment_method, source_file, batch_id, ingested_at) VALUES (s.source, s.order_id, s.line_no, s.order_ts, s.order_date, s.status, s.customer_id, s.product_id, s.quantity, s.unit_price, s.discount_pct, s.revenue, s.discount_amount, s.net_revenue, s.unit_cost, s.cost, s.profit, s.net_profit, s.channel, s.payment_method, s.source_file, s.batch_id, s.ingested_at);

ALTER TASK OPS.MERGE_FACT_ORDER_LINES {{ task_action }};
