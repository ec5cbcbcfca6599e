/*
 * Entity extraction for support messages: a regex step finds the raw tokens (order ids, e-mail
 * addresses, money amounts, dates), then a code step turns them into typed, normalised values.
 */
import { code, regex } from "@catena/core";
import { z } from "zod";

/** Typed entities found in a message. */
export const entitiesSchema = z.object({
  /** Order ids as written, upper-cased, without a leading `#` (`A1234567`, `ORD-123456`). */
  orderIds: z.array(z.string()),
  /** E-mail addresses, lower-cased. */
  emails: z.array(z.string()),
  /** Money amounts with their ISO 4217 currency code. */
  amounts: z.array(z.object({ value: z.number(), currency: z.string().length(3) })),
  /** Calendar dates as ISO `yyyy-mm-dd`; tokens that are no real date (31/02/2026) are dropped. */
  dates: z.array(z.iso.date()),
});

/** Typed entities found in a message (see {@link entitiesSchema}). */
export type Entities = z.infer<typeof entitiesSchema>;

/** The raw tokens the extraction step returns, one list per named group. */
export type RawEntities = Partial<Record<"orderId" | "email" | "amount" | "date", string[]>>;

const MONTHS =
  "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?";
// 1,299.00 / 1.299,00 / 49.99 / 12,50 / 120
const NUMBER = String.raw`\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`;
const CODES = "USD|EUR|GBP|CHF|CAD|AUD|JPY";
const AMOUNT_PREFIX = String.raw`(?:\bUS\$|\bC\$|\bA\$|[$€£¥]|\b(?:${CODES})\b)\s?(?:${NUMBER})(?!\d)`;
const AMOUNT_SUFFIX = String.raw`(?<![\w.,])(?:${NUMBER})\s?(?:[$€£¥]|(?:${CODES}|euros?|dollars?)\b)`;
const DATE = [
  String.raw`\d{4}-\d{1,2}-\d{1,2}`,
  String.raw`\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})`,
  String.raw`\d{1,2}[.-]\d{1,2}[.-]\d{4}`,
  String.raw`(?:${MONTHS})\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}`,
  String.raw`\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:${MONTHS})\.?,?\s+\d{4}`,
].join("|");

/**
 * The extraction patterns, one named group per entity kind. Order ids are recognised as
 * `#A1234567` / `#1234567`, `ORD-123456` and "order (number|no.|id) 1234567"; amounts with a
 * currency symbol or code before or after the number; dates as ISO, `dd/mm/yyyy` (or
 * `mm/dd/yyyy`), `dd.mm.yyyy` and with month names ("March 3, 2026", "3rd of March 2026").
 */
export const ENTITY_PATTERNS: readonly RegExp[] = [
  /(?<![\w#])#\s?(?<orderId>[A-Z]{0,3}\d{5,12})\b/gi,
  /\b(?<orderId>ORD[-\s]?\d{4,12})\b/gi,
  /\border\s+(?:(?:number|no\.?|nr\.?|id)\s*)?[:#]?\s*(?<orderId>[A-Z]{0,3}\d{5,12})\b/gi,
  /(?<email>\b[A-Z0-9._%+-]+@[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,}\b)/gi,
  new RegExp(`(?<amount>${AMOUNT_PREFIX}|${AMOUNT_SUFFIX})`, "gi"),
  new RegExp(String.raw`(?<![\w/.-])(?<date>${DATE})(?!\w|[/.-]\d)`, "gi"),
];

/** Currency symbols and words mapped to ISO 4217 codes. */
export const CURRENCIES: Readonly<Record<string, string>> = {
  $: "USD",
  us$: "USD",
  c$: "CAD",
  a$: "AUD",
  "€": "EUR",
  "£": "GBP",
  "¥": "JPY",
  euro: "EUR",
  euros: "EUR",
  dollar: "USD",
  dollars: "USD",
};

/**
 * How an ambiguous numeric date such as `03/04/2026` is read when nothing in the message says
 * otherwise: day first, as in most of the world. A message whose amounts are all in US dollars is
 * read month first instead. Unambiguous dates (`25/03/2026`, `03/25/2026`) are read as they must be.
 */
export const DEFAULT_DATE_ORDER: "dmy" | "mdy" = "dmy";

/** Finds the raw entity tokens of a message's `text` (each kind as a list of distinct strings). */
export const extractEntities = regex("extract-entities", { extract: ENTITY_PATTERNS, all: true });

/** Turns the raw tokens into typed, normalised, de-duplicated entities. */
export const typeEntities = code("type-entities", (raw: RawEntities): Entities => typedEntities(raw), {
  spec: {
    currencies: CURRENCIES,
    defaultDateOrder: DEFAULT_DATE_ORDER,
  },
  deps: [typedEntities, normalizeOrderId, parseAmount, parseNumber, normalizeDate],
});

/**
 * Turns raw entity tokens into typed entities.
 *
 * @example
 * typedEntities({ amount: ["$49.99"], date: ["March 3, 2026"] })
 * // -> { orderIds: [], emails: [], amounts: [{ value: 49.99, currency: "USD" }], dates: ["2026-03-03"] }
 */
export function typedEntities(raw: RawEntities): Entities {
  const amounts: Entities["amounts"] = [];
  for (const token of raw.amount ?? []) {
    const amount = parseAmount(token);
    if (amount && !amounts.some((a) => a.value === amount.value && a.currency === amount.currency))
      amounts.push(amount);
  }
  const order = amounts.length > 0 && amounts.every((a) => a.currency === "USD") ? "mdy" : DEFAULT_DATE_ORDER;
  return {
    orderIds: distinct((raw.orderId ?? []).map(normalizeOrderId)),
    emails: distinct((raw.email ?? []).map((e) => e.toLowerCase())),
    amounts,
    dates: distinct((raw.date ?? []).map((d) => normalizeDate(d, order)).filter((d) => d !== null)),
  };
}

/**
 * Canonical form of an order id: upper case, no `#`, `ORD` ids with a dash.
 *
 * @example
 * normalizeOrderId("ord 123456") // -> "ORD-123456"
 */
export function normalizeOrderId(token: string): string {
  const id = token.toUpperCase().replace(/^#\s*/, "");
  const ord = /^ORD[-\s]?(\d+)$/.exec(id);
  return ord ? `ORD-${ord[1]}` : id;
}

/**
 * Parses an amount token into a value and an ISO currency code; `null` when it has no known currency.
 *
 * @example
 * parseAmount("1.299,00 €") // -> { value: 1299, currency: "EUR" }
 */
export function parseAmount(token: string): { value: number; currency: string } | null {
  const number = /\d(?:[\d.,]*\d)?/.exec(token);
  if (!number) return null;
  const unit = (token.slice(0, number.index) + token.slice(number.index + number[0].length)).trim();
  const currency = /^[a-z]{3}$/i.test(unit) ? unit.toUpperCase() : CURRENCIES[unit.toLowerCase()];
  const value = parseNumber(number[0]);
  return currency === undefined || value === null ? null : { value, currency };
}

/**
 * Parses a number written with thousands separators and a decimal point or comma: a separator
 * followed by one or two final digits is the decimal mark, any other separator groups thousands.
 *
 * @example
 * parseNumber("1,299.00") // -> 1299
 * parseNumber("12,50") // -> 12.5
 */
export function parseNumber(text: string): number | null {
  const decimal = /[.,](\d{1,2})$/.exec(text);
  const whole = (decimal ? text.slice(0, decimal.index) : text).replace(/[.,]/g, "");
  const value = Number(decimal ? `${whole}.${decimal[1]}` : whole);
  return Number.isFinite(value) ? value : null;
}

/**
 * Normalises a date token to ISO `yyyy-mm-dd`, or `null` when it is not a real calendar date.
 * Ambiguous numeric dates are read in `order` (day first or month first); two-digit years are 20xx.
 *
 * @example
 * normalizeDate("March 3rd, 2026") // -> "2026-03-03"
 * normalizeDate("12/03/2026", "dmy") // -> "2026-03-12"
 */
export function normalizeDate(token: string, order: "dmy" | "mdy" = DEFAULT_DATE_ORDER): string | null {
  const t = token.toLowerCase();
  let year: number;
  let month: number;
  let day: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  const numeric = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(t);
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (numeric) {
    const a = Number(numeric[1]);
    const b = Number(numeric[2]);
    year = Number(numeric[3]) + (numeric[3]?.length === 2 ? 2000 : 0);
    const monthFirst = a > 12 ? false : b > 12 ? true : order === "mdy";
    [month, day] = monthFirst ? [a, b] : [b, a];
  } else {
    const names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    // The month is the first run of 3+ letters: ordinals ("rd") and "of" are shorter.
    const name = /[a-z]{3,}/.exec(t);
    const numbers = t.match(/\d+/g) ?? [];
    month = name ? names.indexOf(name[0].slice(0, 3)) + 1 : 0;
    day = Number(numbers.find((n) => n.length <= 2));
    year = Number(numbers.find((n) => n.length === 4));
  }
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!(year >= 1900 && year <= 2100 && month >= 1 && month <= 12 && day >= 1 && day <= days)) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
