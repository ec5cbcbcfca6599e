-- Tables in the shop database that the sql-qa chain must never read: they are not shown to the
-- model, and the guard rejects any statement that opens them.

CREATE TABLE staff (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  salary_cents INTEGER NOT NULL,
  password_hash TEXT NOT NULL
);
