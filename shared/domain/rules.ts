import { REASON, type ReasonCode } from '../constants';
import { divRound, parseRatio, type Ratio, toCents } from './money';

/**
 * Field rules of the data-quality contract. Each returns the normalised value or a reason code;
 * enrich collects every reason of a record, so a reject says all that is wrong with it at once.
 * Values reach the rules normalised (see normalise.ts): absent, null and blank are all `null`.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: ReasonCode; detail: string };
export type Failure = Extract<Checked<unknown>, { ok: false }>;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(reason: ReasonCode, detail: string): Checked<T> => ({ ok: false, reason, detail });

/** Trimmed text, with empty strings and non-text normalised to null. Numbers become their text. */
export function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** An identifier: a non-empty string or an integer, as text. */
export function identifier(value: unknown, reason: ReasonCode, field: string): Checked<string> {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    return fail(reason, `${field} ${value} is not an integer id`);
  }
  const id = text(value);
  return id === null ? fail(reason, `${field} is missing`) : ok(id);
}

/** A quantity: an integer greater than zero (numeric strings accepted). */
export function quantity(value: unknown): Checked<number> {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) return ok(n);
  return fail(REASON.invalidQuantity, `quantity ${JSON.stringify(value)} is not a positive integer`);
}

/** The largest amount the warehouse holds, DECIMAL(12,2): 9,999,999,999.99. */
export const MAX_AMOUNT_CENTS = 999_999_999_999;

/** A money amount >= 0 with at most two decimals that fits DECIMAL(12,2), as integer cents. */
export function money(value: unknown, reason: ReasonCode, field: string): Checked<number> {
  const cents = toCents(value);
  if (cents === undefined || cents < 0 || cents > MAX_AMOUNT_CENTS) {
    return fail(
      reason,
      `${field} ${JSON.stringify(value)} is not an amount between 0 and 9999999999.99 with at most 2 decimals`,
    );
  }
  return ok(cents);
}

/** A line's gross revenue, quantity x unit price, when it fits DECIMAL(12,2) (so every sum stays exact). */
export function lineRevenue(quantity: number, unitPriceCents: number): Checked<number> {
  const cents = quantity * unitPriceCents;
  return cents <= MAX_AMOUNT_CENTS
    ? ok(cents)
    : fail(
        REASON.invalidPrice,
        `quantity ${quantity} x unit price ${unitPriceCents} cents exceeds 9999999999.99`,
      );
}

/** A line's discount: the exact fraction of revenue taken off, and the same in basis points (1234 = 12.34 %). */
export interface Discount {
  ratio: Ratio;
  bp: number;
}

const NO_DISCOUNT: Discount = { ratio: { num: 0n, den: 1n }, bp: 0 };

/** A discount percentage in 0..100 with at most two decimals; absent means no discount. */
export function discountPercent(value: unknown): Checked<Discount> {
  if (value === undefined || value === null || value === '') return ok(NO_DISCOUNT);
  const percent = parseRatio(value);
  const bp = percent ? toCents(value) : undefined;
  if (!percent || bp === undefined || bp < 0 || bp > 10_000) {
    return fail(REASON.invalidDiscount, `discount ${JSON.stringify(value)} is not a percentage in 0..100`);
  }
  return ok({ ratio: { num: percent.num, den: percent.den * 100n }, bp });
}

/**
 * A discount stated as an amount of money: at most the line's gross revenue. Its basis points are
 * rounded half away from zero; the amount itself stays exact (discount = amount, to the cent).
 */
export function discountAmount(value: unknown, revenueCents: number): Checked<Discount> {
  const cents = toCents(value);
  if (cents === undefined || cents < 0 || cents > revenueCents) {
    return fail(
      REASON.invalidDiscount,
      `discount amount ${JSON.stringify(value)} is not an amount between 0 and the line's revenue`,
    );
  }
  if (cents === 0 || revenueCents === 0) return ok(NO_DISCOUNT);
  return ok({
    ratio: { num: BigInt(cents), den: BigInt(revenueCents) },
    bp: Number(divRound(BigInt(cents) * 10_000n, BigInt(revenueCents))),
  });
}

/** How far a stated total may be from quantity x unit price: one cent (rounding at the source). */
export const TOTAL_TOLERANCE_CENTS = 1;

/**
 * A line total as the source states it must match quantity x unit price within a cent. Sources
 * differ on whether their total is before discount (DummyJSON `total`) or after it (a file event's
 * `total_amount`), so either figure is accepted. Absent: nothing to check. Without `expected` (the
 * line's quantity or price is itself invalid) only the total's form is checked.
 */
export function statedTotal(
  value: unknown,
  expected: { grossCents: number; netCents: number } | undefined,
): Checked<number | null> {
  if (value === undefined || value === null) return ok(null);
  const cents = toCents(value);
  if (cents === undefined || cents < 0) {
    return fail(REASON.invalidTotal, `stated total ${JSON.stringify(value)} is not an amount >= 0`);
  }
  if (!expected) return ok(cents);
  const { grossCents, netCents } = expected;
  const near = (figure: number) => Math.abs(cents - figure) <= TOTAL_TOLERANCE_CENTS;
  if (near(grossCents) || near(netCents)) return ok(cents);
  const computed = grossCents === netCents ? `${grossCents}` : `${grossCents} (net ${netCents})`;
  return fail(
    REASON.totalMismatch,
    `stated total ${JSON.stringify(value)} is ${cents} cents, quantity x unit price is ${computed} cents`,
  );
}

/** How far after its ingestion an order may be dated: more is a clock or data error. */
export const FUTURE_TOLERANCE_MS = 86_400_000;
/** Orders before this are impossible for the shops we read (and catch epoch-zero defaults). */
export const EARLIEST_ORDER_MS = Date.UTC(2000, 0, 1);

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * An ISO-8601 timestamp as a UTC ISO string, or INVALID_TIMESTAMP when it does not parse, names a
 * date or time that does not exist (month 13, 30 February, 24:00), lies before 2000, or lies more
 * than a day after `ingestedAt`. A time without an offset is UTC; a date alone is its midnight UTC.
 * Absent: the ingestion time.
 */
export function orderTimestamp(value: unknown, ingestedAt: string): Checked<string> {
  if (value === undefined || value === null || value === '') return ok(ingestedAt);
  const invalid = (why: string) =>
    fail<string>(REASON.invalidTimestamp, `timestamp ${JSON.stringify(value)} ${why}`);
  const time = typeof value === 'string' ? parseIsoTimestamp(value.trim()) : undefined;
  if (time === undefined) return invalid('is not a valid ISO-8601 time');
  if (time < EARLIEST_ORDER_MS) return invalid('is before 2000');
  if (time > Date.parse(ingestedAt) + FUTURE_TOLERANCE_MS) {
    return invalid(`is more than a day after ingestion (${ingestedAt})`);
  }
  return ok(new Date(time).toISOString());
}

/** Milliseconds since the epoch of an ISO-8601 date or date-time, or undefined when it does not exist. */
export function parseIsoTimestamp(raw: string): number | undefined {
  const m = ISO_TIMESTAMP.exec(raw);
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((part) => Number(part ?? 0));
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month! < 1 || month! > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour, minute, second, millis));
  date.setUTCFullYear(year!);
  if (date.getUTCMonth() !== month! - 1 || date.getUTCDate() !== day) return undefined;
  const offset = offsetMinutes(m[8]);
  return offset === undefined ? undefined : date.getTime() - offset * 60_000;
}

/** Minutes east of UTC of `Z`, `+02`, `+0200` or `-05:30`; undefined when out of range. */
function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 14 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
