-- Analytics views. Re-applied whenever this file changes. Portable: Snowflake and DuckDB.
-- Margin = profit / revenue (0..1), NULL when there is no revenue.

CREATE OR REPLACE VIEW ANALYTICS.VW_DAILY_REVENUE AS
SELECT f.order_date,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       COUNT(*) AS order_lines,
       SUM(f.revenue) AS revenue,
       SUM(f.net_revenue) AS net_revenue,
       SUM(f.cost) AS cost,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
GROUP BY f.order_date;

CREATE OR REPLACE VIEW ANALYTICS.VW_SALES_BY_COUNTRY AS
SELECT COALESCE(c.country, 'unknown') AS country,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       COUNT(DISTINCT f.source || ':' || f.customer_id) AS customers,
       SUM(f.revenue) AS revenue,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
LEFT JOIN ANALYTICS.DIM_CUSTOMER c ON c.source = f.source AND c.customer_id = f.customer_id
GROUP BY COALESCE(c.country, 'unknown');

CREATE OR REPLACE VIEW ANALYTICS.VW_SALES_BY_CATEGORY AS
SELECT COALESCE(p.category, 'unknown') AS category,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       SUM(f.quantity) AS units,
       SUM(f.revenue) AS revenue,
       SUM(f.cost) AS cost,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
LEFT JOIN ANALYTICS.DIM_PRODUCT p ON p.source = f.source AND p.product_id = f.product_id
GROUP BY COALESCE(p.category, 'unknown');

CREATE OR REPLACE VIEW ANALYTICS.VW_TOP_CUSTOMERS AS
SELECT f.source,
       f.customer_id,
       TRIM(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')) AS customer_name,
       c.country,
       COUNT(DISTINCT f.order_id) AS orders,
       SUM(f.revenue) AS revenue,
       SUM(f.profit) AS profit,
       RANK() OVER (ORDER BY SUM(f.revenue) DESC) AS revenue_rank
FROM ANALYTICS.FACT_ORDER_LINES f
LEFT JOIN ANALYTICS.DIM_CUSTOMER c ON c.source = f.source AND c.customer_id = f.customer_id
GROUP BY f.source, f.customer_id, c.first_name, c.last_name, c.country;

CREATE OR REPLACE VIEW ANALYTICS.VW_ORDER_STATUS AS
SELECT f.status,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       COUNT(*) AS order_lines,
       SUM(f.revenue) AS revenue,
       SUM(f.profit) AS profit
FROM ANALYTICS.FACT_ORDER_LINES f
GROUP BY f.status;

CREATE OR REPLACE VIEW ANALYTICS.VW_SALES_BY_CHANNEL AS
SELECT COALESCE(f.channel, 'unknown') AS channel,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       SUM(f.revenue) AS revenue,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
GROUP BY COALESCE(f.channel, 'unknown');

CREATE OR REPLACE VIEW ANALYTICS.VW_SALES_BY_PAYMENT_METHOD AS
SELECT COALESCE(f.payment_method, 'unknown') AS payment_method,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       SUM(f.revenue) AS revenue,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
GROUP BY COALESCE(f.payment_method, 'unknown');
