import { REASON, type ReasonCode } from '../constants';
import { parseRatio, type Ratio, toCents } from './money';

/**
 * Field rules of the data-quality contract. Each returns the normalised value or a reason code;
 * enrich collects every reason of a record, so a reject says all that is wrong with it at once.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: ReasonCode; detail: string };

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

/** A money amount >= 0 with at most two decimals, as integer cents. */
export function money(value: unknown, reason: ReasonCode, field: string): Checked<number> {
  const cents = toCents(value);
  if (cents === undefined || cents < 0) {
    return fail(reason, `${field} ${JSON.stringify(value)} is not an amount >= 0 with at most 2 decimals`);
  }
  return ok(cents);
}

/** A discount percentage in 0..100 with at most two decimals; absent means no discount. */
export function discountPercent(value: unknown): Checked<{ ratio: Ratio; bp: number }> {
  if (value === undefined || value === null || value === '')
    return ok({ ratio: { num: 0n, den: 1n }, bp: 0 });
  const percent = parseRatio(value);
  const bp = percent ? toCents(value) : undefined;
  if (!percent || bp === undefined || bp < 0 || bp > 10_000) {
    return fail(REASON.invalidDiscount, `discount ${JSON.stringify(value)} is not a percentage in 0..100`);
  }
  return ok({ ratio: { num: percent.num, den: percent.den * 100n }, bp });
}

const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO-8601 timestamp between 2000 and 2100, as a UTC ISO string; absent uses the fallback. */
export function timestamp(value: unknown, fallback: string): Checked<string> {
  if (value === undefined || value === null || value === '') return ok(fallback);
  const raw = typeof value === 'string' ? value.trim() : '';
  const time = ISO_TIMESTAMP.test(raw) && calendarDateExists(raw) ? Date.parse(raw) : Number.NaN;
  const year = Number.isNaN(time) ? 0 : new Date(time).getUTCFullYear();
  if (year < 2000 || year > 2100) {
    return fail(REASON.invalidTimestamp, `timestamp ${JSON.stringify(value)} is not a valid ISO-8601 time`);
  }
  return ok(new Date(time).toISOString());
}

/** Date.parse rolls 2026-02-30 over to March: check the calendar date really exists. */
function calendarDateExists(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
