-- The shop's tables that the sql-qa chain may read; this text is the schema the model is shown.
-- Money is in US cents (integers); dates are ISO-8601 text ('YYYY-MM-DD').

CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  country TEXT NOT NULL,          -- ISO 3166-1 alpha-2 code, e.g. 'DE', 'US'
  signed_up_on TEXT NOT NULL      -- 'YYYY-MM-DD'
);

CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  category TEXT NOT NULL,         -- 'books', 'electronics', 'garden', 'kitchen' or 'toys'
  unit_price_cents INTEGER NOT NULL
);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  ordered_on TEXT NOT NULL,       -- 'YYYY-MM-DD'
  status TEXT NOT NULL            -- 'pending', 'shipped', 'delivered', 'cancelled' or 'returned'
);

CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders (id),
  product_id INTEGER NOT NULL REFERENCES products (id),
  quantity INTEGER NOT NULL,
  unit_price_cents INTEGER NOT NULL,  -- the price paid per unit
  PRIMARY KEY (order_id, product_id)
);

CREATE INDEX orders_by_customer ON orders (customer_id);
CREATE INDEX orders_by_date ON orders (ordered_on);
CREATE INDEX order_items_by_product ON order_items (product_id);
