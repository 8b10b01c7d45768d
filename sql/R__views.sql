-- Analytics views. Re-applied whenever this file changes. Portable: Snowflake and DuckDB.
-- Money columns are sums of DECIMAL(12,2); margin = profit / revenue (0..1, 4 places), NULL when there
-- is no revenue. Orders are counted per source (order ids are only unique within their source).
-- Lines of orders their source deleted (status 'deleted', a soft delete) are sales no more: every view
-- but VW_ORDER_STATUS, which shows them as their own status, leaves them out.

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
WHERE f.status <> 'deleted'
GROUP BY f.order_date;

CREATE OR REPLACE VIEW ANALYTICS.VW_SALES_BY_COUNTRY AS
SELECT COALESCE(a.country, 'unknown') AS country,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       COUNT(DISTINCT f.source || ':' || f.customer_id) AS customers,
       SUM(f.revenue) AS revenue,
       SUM(f.cost) AS cost,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
LEFT JOIN ANALYTICS.DIM_ADDRESS a ON a.source = f.source AND a.customer_id = f.customer_id
WHERE f.status <> 'deleted'
GROUP BY COALESCE(a.country, 'unknown');

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
WHERE f.status <> 'deleted'
GROUP BY COALESCE(p.category, 'unknown');

CREATE OR REPLACE VIEW ANALYTICS.VW_TOP_CUSTOMERS AS
SELECT f.source,
       f.customer_id,
       TRIM(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')) AS customer_name,
       a.country,
       COUNT(DISTINCT f.order_id) AS orders,
       SUM(f.revenue) AS revenue,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin,
       RANK() OVER (ORDER BY SUM(f.revenue) DESC) AS revenue_rank
FROM ANALYTICS.FACT_ORDER_LINES f
LEFT JOIN ANALYTICS.DIM_CUSTOMER c ON c.source = f.source AND c.customer_id = f.customer_id
LEFT JOIN ANALYTICS.DIM_ADDRESS a ON a.source = f.source AND a.customer_id = f.customer_id
WHERE f.status <> 'deleted'
GROUP BY f.source, f.customer_id, c.first_name, c.last_name, a.country;

CREATE OR REPLACE VIEW ANALYTICS.VW_ORDER_STATUS AS
SELECT f.status,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       COUNT(*) AS order_lines,
       SUM(f.revenue) AS revenue,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
GROUP BY f.status;

CREATE OR REPLACE VIEW ANALYTICS.VW_SALES_BY_CHANNEL AS
SELECT COALESCE(f.channel, 'unknown') AS channel,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       SUM(f.revenue) AS revenue,
       SUM(f.cost) AS cost,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
WHERE f.status <> 'deleted'
GROUP BY COALESCE(f.channel, 'unknown');

CREATE OR REPLACE VIEW ANALYTICS.VW_SALES_BY_PAYMENT_METHOD AS
SELECT COALESCE(f.payment_method, 'unknown') AS payment_method,
       COUNT(DISTINCT f.source || ':' || f.order_id) AS orders,
       SUM(f.revenue) AS revenue,
       SUM(f.cost) AS cost,
       SUM(f.profit) AS profit,
       ROUND(SUM(f.profit) / NULLIF(SUM(f.revenue), 0), 4) AS margin
FROM ANALYTICS.FACT_ORDER_LINES f
WHERE f.status <> 'deleted'
GROUP BY COALESCE(f.payment_method, 'unknown');
