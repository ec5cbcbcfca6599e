// Builds the sample database of the sql-qa chain: a tiny shop (customers, products, orders,
// order_items, and a private staff table the chain must never read), generated from a fixed seed,
// so the committed data/sql-qa/seed.sql and data/sql-qa/shop.sqlite are reproducible.
// Run: node --conditions=@catena/source packages/chains/scripts/build-sql-qa-db.ts
//      (--check fails when the committed seed.sql or shop.sqlite differ from what the script makes)
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { seededRandom } from "@catena/core/ml";

const dir = (file: string) => fileURLToPath(new URL(`../data/sql-qa/${file}`, import.meta.url));
const random = seededRandom(20_260_301);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
const DAY = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayBetween = (from: string, to: string): string =>
  isoDay(between(Date.parse(from) / DAY, Date.parse(to) / DAY) * DAY);
const sqlValue = (value: string | number): string =>
  typeof value === "number" ? String(value) : `'${value.replaceAll("'", "''")}'`;

const FIRST = [
  "Ada",
  "Ben",
  "Chloe",
  "Dev",
  "Emma",
  "Femi",
  "Greta",
  "Hiro",
  "Ines",
  "Jonas",
  "Kira",
  "Luca",
];
const LAST = [
  "Adler",
  "Brooks",
  "Costa",
  "Dubois",
  "Eriksen",
  "Fischer",
  "Garcia",
  "Haddad",
  "Ito",
  "Jensen",
];
const COUNTRIES = ["US", "US", "US", "DE", "DE", "FR", "GB", "GB", "NL", "JP", "BR", "IN"];
const PRODUCTS: Record<string, Array<[string, number]>> = {
  books: [
    ["The Pragmatic Gardener", 2499],
    ["SQL for Shopkeepers", 3450],
    ["A Year of Soups", 1999],
    ["Stars Without Telescopes", 2799],
    ["Tiny Houses", 3199],
    ["The Long Walk Home", 1499],
    ["Cooking with Kids", 2250],
    ["Pocket Atlas", 1299],
  ],
  electronics: [
    ["USB-C Charger 65W", 3999],
    ["Noise-Cancelling Headphones", 17_999],
    ["Bluetooth Speaker", 5999],
    ["E-Reader", 12_999],
    ["Smart Plug (2-pack)", 2499],
    ["Webcam HD", 4999],
    ["Wireless Mouse", 2999],
    ["Mechanical Keyboard", 8999],
  ],
  garden: [
    ["Pruning Shears", 2199],
    ["Watering Can 10L", 1899],
    ["Tomato Seeds", 399],
    ["Raised Bed Kit", 11_999],
    ["Garden Gloves", 1299],
    ["Compost Bin", 6999],
    ["Solar Path Lights", 3499],
    ["Bird Feeder", 2599],
  ],
  kitchen: [
    ["Chef's Knife", 7999],
    ["Cast Iron Pan", 4499],
    ["French Press", 2999],
    ["Cutting Board", 2499],
    ["Spice Rack", 3299],
    ["Kitchen Scale", 1999],
    ["Dutch Oven", 9999],
    ["Tea Kettle", 3999],
  ],
  toys: [
    ["Wooden Train Set", 5499],
    ["Puzzle 1000 Pieces", 1999],
    ["Building Blocks", 3999],
    ["Plush Fox", 1799],
    ["Kite", 2299],
    ["Board Game: Harbour", 3499],
    ["Jump Rope", 899],
    ["Science Kit", 4499],
  ],
};

/** Every row of the database, table by table, in insertion order. */
function generate(): Record<string, Array<Record<string, string | number>>> {
  const customers = Array.from({ length: 60 }, (_, i) => {
    const name = `${pick(FIRST)} ${pick(LAST)}`;
    return {
      id: i + 1,
      name,
      email: `${name.toLowerCase().replace(" ", ".")}.${i + 1}@example.com`,
      country: pick(COUNTRIES),
      signed_up_on: dayBetween("2024-01-01", "2026-03-31"),
    };
  });
  const products = Object.entries(PRODUCTS).flatMap(([category, items]) =>
    items.map(([name, price]) => ({ name, category, unit_price_cents: price })),
  );
  const productRows = products.map((p, i) => ({ id: i + 1, ...p }));
  const orders: Array<Record<string, string | number>> = [];
  const items: Array<Record<string, string | number>> = [];
  while (orders.length < 320) {
    const ordered_on = dayBetween("2025-07-01", "2026-06-30");
    const eligible = customers.filter((c) => c.signed_up_on <= ordered_on);
    if (eligible.length === 0) continue;
    const customer = pick(eligible);
    const age = (Date.parse("2026-06-30") - Date.parse(ordered_on)) / DAY;
    const roll = random();
    const status =
      roll < 0.06
        ? "cancelled"
        : roll < 0.11
          ? "returned"
          : age < 7
            ? "pending"
            : age < 14
              ? "shipped"
              : "delivered";
    orders.push({ id: orders.length + 1, customer_id: customer.id, ordered_on, status });
    const chosen = new Set<number>();
    const count = between(1, 4);
    while (chosen.size < count) chosen.add(between(1, productRows.length));
    for (const productId of [...chosen].sort((a, b) => a - b)) {
      const price = (productRows[productId - 1] as { unit_price_cents: number }).unit_price_cents;
      const discounted = random() < 0.15 ? Math.round(price * 0.9) : price;
      items.push({
        order_id: orders.length,
        product_id: productId,
        quantity: between(1, 3),
        unit_price_cents: discounted,
      });
    }
  }
  orders.sort(
    (a, b) => String(a.ordered_on).localeCompare(String(b.ordered_on)) || Number(a.id) - Number(b.id),
  );
  const renumber = new Map(orders.map((o, i) => [o.id, i + 1]));
  for (const o of orders) o.id = renumber.get(o.id) as number;
  for (const item of items) item.order_id = renumber.get(item.order_id) as number;
  items.sort(
    (a, b) => Number(a.order_id) - Number(b.order_id) || Number(a.product_id) - Number(b.product_id),
  );
  const staff = ["owner", "support", "support", "warehouse", "warehouse", "accounting"].map((role, i) => ({
    id: i + 1,
    name: `${pick(FIRST)} ${pick(LAST)}`,
    role,
    salary_cents: between(35_000, 95_000) * 100,
    password_hash: `$argon2id$v=19$m=65536,t=3,p=4$${Math.floor(random() * 2 ** 52).toString(36)}`,
  }));
  return { customers, products: productRows, orders, order_items: items, staff };
}

function seedSql(tables: ReturnType<typeof generate>): string {
  const lines = ["-- Generated by packages/chains/scripts/build-sql-qa-db.ts; do not edit.", "BEGIN;"];
  for (const [table, rows] of Object.entries(tables)) {
    for (const row of rows) {
      const columns = Object.keys(row).join(", ");
      const values = Object.values(row).map(sqlValue).join(", ");
      lines.push(`INSERT INTO ${table} (${columns}) VALUES (${values});`);
    }
  }
  lines.push("COMMIT;", "");
  return lines.join("\n");
}

function build(path: string, seed: string): void {
  const db = new DatabaseSync(path);
  db.exec(readFileSync(dir("schema.sql"), "utf8"));
  db.exec(readFileSync(dir("private-schema.sql"), "utf8"));
  db.exec(seed);
  if (path !== ":memory:") db.exec("VACUUM");
  db.close();
}

function dump(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  const tables = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
  const rows = tables.map((t) => db.prepare(`SELECT * FROM "${String(t.name)}"`).all());
  db.close();
  return JSON.stringify({ tables, rows });
}

const tables = generate();
const seed = seedSql(tables);
const sqlite = dir("shop.sqlite");
if (process.argv.includes("--check")) {
  const fresh = dir(`shop.check-${process.pid}.sqlite`);
  const problems: string[] = [];
  try {
    build(fresh, seed);
    if (!existsSync(dir("seed.sql")) || readFileSync(dir("seed.sql"), "utf8") !== seed)
      problems.push("seed.sql");
    if (!existsSync(sqlite) || dump(sqlite) !== dump(fresh)) problems.push("shop.sqlite");
  } finally {
    rmSync(fresh, { force: true });
  }
  if (problems.length > 0) {
    console.error(`stale: ${problems.join(", ")}; run node --conditions=@catena/source ${process.argv[1]}`);
    process.exit(1);
  }
} else {
  writeFileSync(dir("seed.sql"), seed);
  rmSync(sqlite, { force: true });
  build(sqlite, seed);
  const counts = Object.entries(tables).map(([table, rows]) => `${table} ${rows.length}`);
  console.log(`wrote ${sqlite} (${counts.join(", ")})`);
}
