-- SQL fuzz corpus over the demo lake (config/demo.yaml): one statement per blank-line-separated block.
-- Seeds for sql-fuzz.reliability.ts, which also takes the TPC-H queries and SQL literals from the tests.
SELECT count(*) FROM lake.hotels

SELECT hotel_id, name, city FROM lake.hotels WHERE star_rating >= 4 ORDER BY hotel_id LIMIT 20

SELECT city, count(*) AS n, avg(star_rating) AS stars FROM lake.hotels GROUP BY city HAVING count(*) > 2 ORDER BY n DESC, city LIMIT 10

SELECT h.name, count(b.booking_id) AS bookings FROM lake.hotels h LEFT JOIN lake.bookings b ON b.hotel_id = h.hotel_id GROUP BY h.name ORDER BY bookings DESC LIMIT 10

SELECT channel, device, sum(price_usd) AS revenue FROM lake.bookings WHERE status = 'confirmed' AND booking_month BETWEEN '2024-01' AND '2024-06' GROUP BY channel, device ORDER BY revenue DESC

SELECT date_trunc('month', booked_at) AS m, count(*) FROM lake.bookings GROUP BY 1 ORDER BY 1

SELECT user_country, percentile_cont(0.5) WITHIN GROUP (ORDER BY price_usd) AS median_price FROM lake.bookings GROUP BY user_country ORDER BY 2 DESC NULLS LAST LIMIT 5

WITH top AS (SELECT hotel_id, sum(nights * rooms) AS room_nights FROM lake.bookings GROUP BY hotel_id ORDER BY room_nights DESC LIMIT 10) SELECT t.hotel_id, h.city, t.room_nights FROM top t JOIN lake.hotels h USING (hotel_id) ORDER BY t.room_nights DESC

SELECT destination_city, count(*) FILTER (WHERE results_shown = 0) AS empty, count(*) AS total FROM lake.searches GROUP BY destination_city ORDER BY total DESC LIMIT 10

SELECT s.user_id, count(DISTINCT s.search_id) AS searches, count(DISTINCT b.booking_id) AS bookings FROM lake.searches s LEFT JOIN lake.bookings b ON b.user_id = s.user_id AND b.booked_at >= s.searched_at GROUP BY s.user_id ORDER BY searches DESC LIMIT 10

SELECT hotel_id, price_usd, rank() OVER (PARTITION BY hotel_id ORDER BY price_usd DESC) AS r FROM lake.bookings WHERE hotel_id < 5 ORDER BY hotel_id, r LIMIT 30

SELECT CASE WHEN star_rating >= 4 THEN 'luxury' WHEN star_rating = 3 THEN 'mid' ELSE 'budget' END AS tier, count(*) FROM lake.hotels GROUP BY 1 ORDER BY 1

SELECT coalesce(chain, 'independent') AS chain, count(*) FROM lake.hotels GROUP BY 1 ORDER BY 2 DESC LIMIT 5

SELECT * FROM lake.hotels WHERE name LIKE 'Grand%' OR city IN ('Paris', 'Rome', 'Tokyo') ORDER BY hotel_id LIMIT 10

SELECT booking_id, checkin_date + nights AS checkout, extract(dow FROM checkin_date) AS dow FROM lake.bookings WHERE checkin_date > DATE '2024-03-01' ORDER BY booking_id LIMIT 10

SELECT $1::int AS a, $2::text AS b

SELECT count(*) FROM lake.bookings WHERE price_usd > $1 AND channel = $2

SELECT 1 + 1 AS two, 'text' || 'concat' AS s, 3.5::numeric(10,2) AS n, now() IS NOT NULL AS t, ARRAY[1,2,3] AS arr

SELECT EXISTS (SELECT 1 FROM lake.hotels WHERE hotel_id = 1) AS present

SELECT hotel_id FROM lake.hotels UNION SELECT hotel_id FROM lake.bookings EXCEPT SELECT clicked_hotel_id FROM lake.searches ORDER BY 1 LIMIT 5

SELECT n.nspname, c.relname, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2

SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'lake' ORDER BY table_name, ordinal_position

SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'lake.hotels'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum

SELECT obj_description('lake.hotels'::regclass, 'pg_class') AS comment

SELECT current_user, current_database(), version(), pg_backend_pid() > 0 AS has_pid

SHOW search_path

SET tollgate.engine = lake

EXPLAIN SELECT count(*) FROM lake.bookings WHERE booking_month = '2024-02'

SELECT statement, status, cost FROM tollgate.queries ORDER BY started_at DESC LIMIT 5

BEGIN

COMMIT

INSERT INTO lake.hotels (hotel_id, name) VALUES (999999, 'fuzz')

COPY (SELECT hotel_id, name FROM lake.hotels ORDER BY hotel_id LIMIT 3) TO STDOUT WITH (FORMAT csv, HEADER)

SELECT to_char(booked_at, 'YYYY-MM-DD HH24:MI') AS t, round(price_usd::numeric, 2) AS p FROM lake.bookings ORDER BY booking_id LIMIT 5

SELECT substring(name FROM 1 FOR 3) AS prefix, lower(city), upper(country), length(name) FROM lake.hotels ORDER BY hotel_id LIMIT 5

SELECT 'it''s' AS quoted, E'tab\there' AS escaped, $$dollar 'quoted'$$ AS dq, U&'\0041' AS unicode
