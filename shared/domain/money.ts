/**
 * Exact money. Amounts are integer cents (`number`, always safe integers); decimals from sources are
 * parsed from their text, never through float arithmetic. Ratios (cost ratio, discount) are exact
 * rationals, and every rounding is half away from zero.
 */

/** An exact non-negative rational `num / den`, parsed from a decimal such as `0.60`. */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Decimal text of a JSON number or string, or undefined when it is not a plain decimal. */
function decimalText(value: unknown): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    const text = String(value);
    return /e/i.test(text) ? value.toFixed(20).replace(/0+$/, '') : text;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    return text === '' ? undefined : text;
  }
  return undefined;
}

/** Parse a decimal (number or string) into an exact ratio, or undefined when it is not a decimal. */
export function parseRatio(value: unknown): Ratio | undefined {
  const text = decimalText(value);
  const match = text === undefined ? null : DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const den = 10n ** BigInt(fraction.length);
  const num = BigInt(whole) * den + BigInt(fraction === '' ? '0' : fraction);
  return { num: sign === '-' ? -num : num, den };
}

/** Divide and round half away from zero. */
export function divRound(num: bigint, den: bigint): bigint {
  if (den === 0n) throw new RangeError('division by zero');
  const negative = num < 0n !== den < 0n;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  const q = (2n * n + d) / (2n * d);
  return negative ? -q : q;
}

/**
 * Parse a money amount (JSON number or decimal string) into integer cents.
 * Returns undefined when the value is not a decimal with at most two places.
 * @example toCents(9.99) // 999
 */
export function toCents(value: unknown): number | undefined {
  const ratio = parseRatio(value);
  if (!ratio) return undefined;
  const cents = ratio.num * 100n;
  if (cents % ratio.den !== 0n) return undefined;
  const result = cents / ratio.den;
  return result > BigInt(Number.MAX_SAFE_INTEGER) || result < -BigInt(Number.MAX_SAFE_INTEGER)
    ? undefined
    : Number(result);
}

/** Multiply cents by an exact ratio and round half away from zero to the cent. */
export function applyRatio(cents: number, ratio: Ratio): number {
  return Number(divRound(BigInt(cents) * ratio.num, ratio.den));
}

/** Format cents as a decimal string with two places, e.g. `-12.05`. */
export function formatCents(cents: number | bigint): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 100n;
  const fraction = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** Cents as a JS number of currency units, exact to the cent when printed (for JSON summaries). */
export function centsToUnits(cents: number | bigint): number {
  return Number(formatCents(cents));
}
