/**
 * A deterministic, seeded generator of a DummyJSON-shaped shop (users, products, carts), used by the
 * embedded fake API and by tests. Same options, same shop, byte for byte: all randomness comes from a
 * seeded mulberry32 PRNG, never from `Math.random`.
 *
 * With `anomalies: true` a few lines are deliberately invalid so the pipeline's reject path is
 * exercised; `findAnomalies()` lists them and `expectedTotals()` gives the reference result over the
 * valid lines only.
 */
import { REASON, type ReasonCode } from '../shared/constants';

export interface Address {
  address: string;
  city: string;
  state: string;
  stateCode: string;
  postalCode: string;
  country: string;
}

export interface User {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  age: number;
  address: Address;
}

export interface Product {
  id: number;
  title: string;
  description: string;
  category: string;
  /** At most 2 decimals, e.g. 9.99 or 1299.5. */
  price: number;
  /** 0..20, 2 decimals. */
  discountPercentage: number;
  /** 1..5, 2 decimals. */
  rating: number;
  stock: number;
  /** Absent (not `undefined`) for unbranded products, as in DummyJSON. */
  brand?: string;
  sku: string;
}

export interface CartLine {
  /** The product id. */
  id: number;
  title: string;
  price: number;
  quantity: number;
  /** price x quantity, rounded to 2 decimals. */
  total: number;
  discountPercentage: number;
  /** total x (1 - discountPercentage/100), rounded to 2 decimals. */
  discountedTotal: number;
  thumbnail: string;
}

export interface Cart {
  id: number;
  userId: number;
  products: CartLine[];
  total: number;
  discountedTotal: number;
  /** Number of lines. */
  totalProducts: number;
  /** Sum of the lines' quantities. */
  totalQuantity: number;
}

export interface Shop {
  users: User[];
  products: Product[];
  carts: Cart[];
}

export interface GenerateOptions {
  /** PRNG seed; default 42. */
  seed?: number;
  /** Number of users; default 60. */
  users?: number;
  /** Number of products; default 40. */
  products?: number;
  /** Number of carts; default 120. */
  carts?: number;
  /** Inject a few invalid lines (unknown user, unknown product, zero quantity); default true. */
  anomalies?: boolean;
}

/** One invalid cart line, with the reject reason a pipeline is expected to give it. */
export interface LineAnomaly {
  cartId: number;
  userId: number;
  productId: number;
  reason: ReasonCode;
}

export interface ExpectedTotals {
  /** Lines whose user and product exist and whose quantity is a positive integer. */
  validLines: number;
  /** Sum over valid lines of round(price * 100) * quantity, in integer cents. */
  revenueCents: number;
  /** Distinct carts with at least one valid line. */
  orders: number;
}

/** The user id the "unknown user" anomaly points at. */
export const UNKNOWN_USER_ID = 9999;
/** The product id the "unknown product" anomaly points at. */
export const UNKNOWN_PRODUCT_ID = 9999;

const DEFAULTS = { seed: 42, users: 60, products: 40, carts: 120, anomalies: true } as const;
const MAX_LINES_PER_CART = 5;
const MAX_QUANTITY = 6;

/**
 * Builds a DummyJSON-shaped shop from a seed. Deterministic: the same options always give a deep-equal
 * shop, so tests and local runs can compare the pipeline's output to `expectedTotals()`.
 */
export function generateShop(options: GenerateOptions = {}): Shop {
  const seed = options.seed ?? DEFAULTS.seed;
  const userCount = checkCount('users', options.users ?? DEFAULTS.users);
  const productCount = checkCount('products', options.products ?? DEFAULTS.products);
  const cartCount = checkCount('carts', options.carts ?? DEFAULTS.carts, 0);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);

  const random = createRandom(seed);
  const users = Array.from({ length: userCount }, (_, i) => makeUser(random, i + 1));
  const products = Array.from({ length: productCount }, (_, i) => makeProduct(random, i + 1));
  const carts = Array.from({ length: cartCount }, (_, i) => makeCart(random, i + 1, users, products));
  if (options.anomalies ?? DEFAULTS.anomalies) injectAnomalies(carts, products);
  return { users, products, carts };
}

/**
 * Lists every invalid line of a shop (unknown user, unknown product, non-positive or fractional
 * quantity), in cart order. One entry per line, with the first reason that applies.
 */
export function findAnomalies(shop: Shop): LineAnomaly[] {
  const userIds = new Set(shop.users.map((u) => u.id));
  const productIds = new Set(shop.products.map((p) => p.id));
  const anomalies: LineAnomaly[] = [];
  for (const cart of shop.carts) {
    for (const line of cart.products) {
      const reason = lineRejectReason(cart.userId, line, userIds, productIds);
      if (reason) anomalies.push({ cartId: cart.id, userId: cart.userId, productId: line.id, reason });
    }
  }
  return anomalies;
}

/**
 * Reference totals over the valid lines of a shop, computed independently of the pipeline in integer
 * cents (never summing floats), for tests to compare the pipeline's result to.
 */
export function expectedTotals(shop: Shop): ExpectedTotals {
  const userIds = new Set(shop.users.map((u) => u.id));
  const productIds = new Set(shop.products.map((p) => p.id));
  const orderIds = new Set<number>();
  let validLines = 0;
  let revenueCents = 0;
  for (const cart of shop.carts) {
    for (const line of cart.products) {
      if (lineRejectReason(cart.userId, line, userIds, productIds)) continue;
      validLines += 1;
      revenueCents += Math.round(line.price * 100) * line.quantity;
      orderIds.add(cart.id);
    }
  }
  return { validLines, revenueCents, orders: orderIds.size };
}

function lineRejectReason(
  userId: number,
  line: CartLine,
  userIds: ReadonlySet<number>,
  productIds: ReadonlySet<number>,
): ReasonCode | undefined {
  if (!userIds.has(userId)) return REASON.unknownCustomer;
  if (!productIds.has(line.id)) return REASON.unknownProduct;
  if (!Number.isInteger(line.quantity) || line.quantity <= 0) return REASON.invalidQuantity;
  return undefined;
}

function checkCount(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min || value >= UNKNOWN_USER_ID) {
    throw new RangeError(`${name} must be an integer in ${min}..${UNKNOWN_USER_ID - 1}, got ${value}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Seeded randomness

interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

/** mulberry32: tiny, fast, good enough for test data, and identical on every platform. */
function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(0, items.length - 1)];
    if (item === undefined) throw new RangeError('cannot pick from an empty list');
    return item;
  };
  return { next, int, pick, chance: (probability) => next() < probability };
}

// ---------------------------------------------------------------------------------------------------
// Users

interface Place {
  city: string;
  state: string;
  stateCode: string;
}

interface Country {
  name: string;
  /** E.164 country calling code. */
  dial: string;
  /** `#` is a digit, `A` an uppercase letter. */
  postalPattern: string;
  places: readonly Place[];
}

const COUNTRIES: readonly Country[] = [
  {
    name: 'United States',
    dial: '1',
    postalPattern: '#####',
    places: [
      { city: 'Phoenix', state: 'Arizona', stateCode: 'AZ' },
      { city: 'Austin', state: 'Texas', stateCode: 'TX' },
      { city: 'Seattle', state: 'Washington', stateCode: 'WA' },
    ],
  },
  {
    name: 'Canada',
    dial: '1',
    postalPattern: 'A#A #A#',
    places: [
      { city: 'Toronto', state: 'Ontario', stateCode: 'ON' },
      { city: 'Montreal', state: 'Quebec', stateCode: 'QC' },
    ],
  },
  {
    name: 'United Kingdom',
    dial: '44',
    postalPattern: 'AA# #AA',
    places: [
      { city: 'Manchester', state: 'England', stateCode: 'ENG' },
      { city: 'Edinburgh', state: 'Scotland', stateCode: 'SCT' },
    ],
  },
  {
    name: 'Germany',
    dial: '49',
    postalPattern: '#####',
    places: [
      { city: 'Munich', state: 'Bavaria', stateCode: 'BY' },
      { city: 'Hamburg', state: 'Hamburg', stateCode: 'HH' },
    ],
  },
  {
    name: 'France',
    dial: '33',
    postalPattern: '#####',
    places: [
      { city: 'Lyon', state: 'Auvergne-Rhône-Alpes', stateCode: 'ARA' },
      { city: 'Paris', state: 'Île-de-France', stateCode: 'IDF' },
    ],
  },
  {
    name: 'Japan',
    dial: '81',
    postalPattern: '###-####',
    places: [
      { city: 'Osaka', state: 'Osaka', stateCode: '27' },
      { city: 'Sapporo', state: 'Hokkaido', stateCode: '01' },
    ],
  },
  {
    name: 'Australia',
    dial: '61',
    postalPattern: '####',
    places: [
      { city: 'Sydney', state: 'New South Wales', stateCode: 'NSW' },
      { city: 'Melbourne', state: 'Victoria', stateCode: 'VIC' },
    ],
  },
  {
    name: 'Brazil',
    dial: '55',
    postalPattern: '#####-###',
    places: [
      { city: 'São Paulo', state: 'São Paulo', stateCode: 'SP' },
      { city: 'Curitiba', state: 'Paraná', stateCode: 'PR' },
    ],
  },
];

const FIRST_NAMES = [
  'Emily',
  'Michael',
  'Sophia',
  'James',
  'Emma',
  'Olivia',
  'Alexander',
  'Ava',
  'Ethan',
  'Isabella',
  'Liam',
  'Mia',
  'Noah',
  'Charlotte',
  'Lucas',
  'Amelia',
  'Mateus',
  'Yuki',
  'Chloé',
  'Lukas',
] as const;
const LAST_NAMES = [
  'Johnson',
  'Williams',
  'Brown',
  'Davis',
  'Miller',
  'Wilson',
  "O'Brien",
  'Taylor',
  'Martin',
  'Garcia',
  'Müller',
  'Tanaka',
  'Silva',
  'Dubois',
  'Smith',
  'Anderson',
  'Thomas',
  'Moore',
  'Lee',
  'Walker',
] as const;
const STREETS = [
  'Main Street',
  'Oak Avenue',
  'Maple Road',
  'Cedar Lane',
  'Pine Street',
  'Elm Drive',
] as const;

function makeUser(random: Random, id: number): User {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const country = random.pick(COUNTRIES);
  const place = random.pick(country.places);
  const phone = `+${country.dial} ${digits(random, 3)}-${digits(random, 3)}-${digits(random, 4)}`;
  return {
    id,
    firstName,
    lastName,
    email: `${emailPart(firstName)}.${emailPart(lastName)}${id}@x.dummyjson.com`,
    phone,
    age: random.int(18, 75),
    address: {
      address: `${random.int(1, 9999)} ${random.pick(STREETS)}`,
      city: place.city,
      state: place.state,
      stateCode: place.stateCode,
      postalCode: fillPattern(random, country.postalPattern),
      country: country.name,
    },
  };
}

/** Lowercase ASCII letters only, so the email stays valid for names like "O'Brien" or "Müller". */
function emailPart(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

function digits(random: Random, count: number): string {
  return Array.from({ length: count }, () => String(random.int(0, 9))).join('');
}

function fillPattern(random: Random, pattern: string): string {
  const letters = 'ABCEGHJKLMNPRSTVXY';
  return [...pattern]
    .map((ch) => {
      if (ch === '#') return String(random.int(0, 9));
      if (ch === 'A') return letters.charAt(random.int(0, letters.length - 1));
      return ch;
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------------
// Products

interface CategorySpec {
  name: string;
  code: string;
  /** Whole-currency price range; cents are added from PRICE_CENTS. */
  price: readonly [number, number];
  nouns: readonly string[];
  /** Empty: products of the category have no brand (as DummyJSON's groceries). */
  brands: readonly string[];
}

const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'beauty',
    code: 'BEA',
    price: [4, 40],
    nouns: ['Mascara', 'Eyeshadow Palette', 'Lipstick', 'Nail Polish', 'Powder Canister'],
    brands: ['Essence', 'Glamour Beauty', 'Velvet Touch'],
  },
  {
    name: 'fragrances',
    code: 'FRA',
    price: [30, 160],
    nouns: ['Eau de Parfum', 'Eau de Toilette', 'Cologne'],
    brands: ['Calvin Klein', 'Chanel', 'Dior', 'Gucci'],
  },
  {
    name: 'furniture',
    code: 'FUR',
    price: [80, 2500],
    nouns: ['Bed', 'Sofa', 'Bedside Table', 'Office Chair', 'Bathtub'],
    brands: ['Annibale Colombo', 'Furniture Co.', 'Knoll'],
  },
  {
    name: 'groceries',
    code: 'GRO',
    price: [1, 25],
    nouns: ['Apple', 'Beef Steak', 'Cat Food', 'Cooking Oil', 'Green Bell Pepper', 'Honey Jar'],
    brands: [],
  },
  {
    name: 'home-decoration',
    code: 'HOM',
    price: [10, 120],
    nouns: ['Decoration Swing', 'Family Tree Photo Frame', 'House Showpiece Plant', 'Table Lamp'],
    brands: ['Decor Haven', 'Home Accents'],
  },
  {
    name: 'laptops',
    code: 'LAP',
    price: [400, 2600],
    nouns: ['Laptop 14"', 'Notebook Pro', 'Ultrabook', 'Gaming Laptop'],
    brands: ['Apple', 'Asus', 'Huawei', 'Lenovo', 'Dell'],
  },
  {
    name: 'mens-shirts',
    code: 'MEN',
    price: [15, 90],
    nouns: ['Checked Shirt', 'Polo Shirt', 'Linen Shirt', 'Denim Shirt'],
    brands: ['Fashion Trends', 'Gigabyte', 'Classic Wear'],
  },
  {
    name: 'smartphones',
    code: 'SMA',
    price: [150, 1500],
    nouns: ['Smartphone', 'Phone Mini', 'Phone Max', 'Foldable Phone'],
    brands: ['Apple', 'Oppo', 'Realme', 'Samsung', 'Vivo'],
  },
];

const ADJECTIVES = ['Classic', 'Essential', 'Premium', 'Compact', 'Deluxe', 'Eco', 'Signature', 'Modern'];
const PRICE_CENTS = [0, 49, 50, 95, 99, 99] as const;
const BLURBS = [
  'Made to last, with a clean design that fits in anywhere.',
  'A customer favourite: reliable, practical and easy to care for.',
  'Lightweight, durable, and "built for everyday use".',
  'Limited edition; quantities are restricted, while stocks last.',
] as const;

function makeProduct(random: Random, id: number): Product {
  const category = random.pick(CATEGORIES);
  const title = `${random.pick(ADJECTIVES)} ${random.pick(category.nouns)}`;
  const priceCents = random.int(category.price[0], category.price[1]) * 100 + random.pick(PRICE_CENTS);
  const branded = category.brands.length > 0 && !random.chance(0.1);
  return {
    id,
    title,
    description: `${title}. ${random.pick(BLURBS)}`,
    category: category.name,
    price: priceCents / 100,
    discountPercentage: random.int(0, 2000) / 100,
    rating: random.int(100, 500) / 100,
    stock: random.int(0, 150),
    // Omitted, not `undefined`, when unbranded: the key is absent in DummyJSON's JSON too.
    ...(branded ? { brand: random.pick(category.brands) } : {}),
    sku: `${category.code}-${String(id).padStart(4, '0')}-${fillPattern(random, 'AAA')}`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Carts

function makeCart(random: Random, id: number, users: readonly User[], products: readonly Product[]): Cart {
  const user = random.pick(users);
  const lineCount = Math.min(random.int(1, MAX_LINES_PER_CART), products.length);
  const chosen = new Set<Product>();
  while (chosen.size < lineCount) chosen.add(random.pick(products));
  const lines = [...chosen].map((product) =>
    makeLine(
      product.id,
      product.title,
      product.price,
      random.int(1, MAX_QUANTITY),
      product.discountPercentage,
    ),
  );
  return withTotals({ id, userId: user.id, products: lines });
}

function makeLine(
  id: number,
  title: string,
  price: number,
  quantity: number,
  discountPercentage: number,
): CartLine {
  const totalCents = Math.round(price * 100) * quantity;
  const discountBasisPoints = Math.round(discountPercentage * 100);
  const discountedCents = Math.round((totalCents * (10_000 - discountBasisPoints)) / 10_000);
  return {
    id,
    title,
    price,
    quantity,
    total: totalCents / 100,
    discountPercentage,
    discountedTotal: discountedCents / 100,
    thumbnail: `https://cdn.dummyjson.com/products/images/${slug(title)}/${id}/thumbnail.png`,
  };
}

/** Recomputes a cart's totals from its lines, in integer cents. */
function withTotals(cart: Pick<Cart, 'id' | 'userId' | 'products'>): Cart {
  let totalCents = 0;
  let discountedCents = 0;
  let totalQuantity = 0;
  for (const line of cart.products) {
    totalCents += Math.round(line.total * 100);
    discountedCents += Math.round(line.discountedTotal * 100);
    totalQuantity += line.quantity;
  }
  return {
    id: cart.id,
    userId: cart.userId,
    products: cart.products,
    total: totalCents / 100,
    discountedTotal: discountedCents / 100,
    totalProducts: cart.products.length,
    totalQuantity,
  };
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Turns three carts (at fixed relative positions, so the choice is deterministic) into bad rows:
 * one whose user does not exist (trimmed to at most 2 lines), one with a line for a product that does
 * not exist, one with a zero-quantity line. 3 or 4 bad lines in total; with fewer than 3 carts, fewer.
 * Carts 2 and 3 keep at least one valid line, so they still count as orders.
 */
function injectAnomalies(carts: Cart[], products: readonly Product[]): void {
  const n = carts.length;
  const positions = [...new Set([Math.floor(n * 0.1), Math.floor(n * 0.5), Math.floor(n * 0.9)])];
  const [unknownUser, unknownProduct, zeroQuantity] = positions;

  const replace = (index: number | undefined, edit: (cart: Cart) => Pick<Cart, 'userId' | 'products'>) => {
    const cart = index === undefined ? undefined : carts[index];
    if (index === undefined || !cart) return;
    carts[index] = withTotals({ id: cart.id, ...edit(cart) });
  };

  replace(unknownUser, (cart) => ({ userId: UNKNOWN_USER_ID, products: cart.products.slice(0, 2) }));
  replace(unknownProduct, (cart) => {
    const ghost = makeLine(UNKNOWN_PRODUCT_ID, 'Discontinued Gadget', 19.99, 2, 5);
    const kept = cart.products.length > 1 ? cart.products.slice(0, -1) : cart.products;
    return { userId: cart.userId, products: [...kept, ghost] };
  });
  replace(zeroQuantity, (cart) => {
    const [first, ...rest] = cart.products;
    if (!first) return cart;
    if (rest.length > 0) {
      const zeroed = makeLine(first.id, first.title, first.price, 0, first.discountPercentage);
      return { userId: cart.userId, products: [zeroed, ...rest] };
    }
    // A single-line cart: add the zero-quantity line for another product so the cart stays an order.
    const other = products.find((p) => p.id !== first.id);
    const zeroed = other
      ? makeLine(other.id, other.title, other.price, 0, other.discountPercentage)
      : makeLine(first.id, first.title, first.price, 0, first.discountPercentage);
    return { userId: cart.userId, products: other ? [first, zeroed] : [zeroed] };
  });
}

// ---------------------------------------------------------------------------------------------------
// FakeStore view of a shop (https://fakestoreapi.com shapes)

export interface FakeStoreUser {
  id: number;
  email: string;
  username: string;
  password: string;
  name: { firstname: string; lastname: string };
  address: {
    city: string;
    street: string;
    number: number;
    zipcode: string;
    geolocation: { lat: string; long: string };
  };
  phone: string;
  __v: 0;
}

export interface FakeStoreProduct {
  id: number;
  title: string;
  price: number;
  description: string;
  category: string;
  image: string;
  rating: { rate: number; count: number };
}

export interface FakeStoreCart {
  id: number;
  userId: number;
  /** ISO time with milliseconds, as FakeStore writes it. */
  date: string;
  /** No price: FakeStore lines name a product and a quantity only. */
  products: { productId: number; quantity: number }[];
  __v: 0;
}

export interface FakeStoreShop {
  users: FakeStoreUser[];
  products: FakeStoreProduct[];
  carts: FakeStoreCart[];
}

/** The first instant FakeStore cart dates fall after; each cart's date is within 30 days of it. */
export const FAKESTORE_DATES_FROM = Date.UTC(2026, 9, 1);

/**
 * The same shop as FakeStore serves it: same ids, users, products and cart lines (anomalies
 * included), in FakeStore's shapes. Each cart gets a date derived from its id, so the view is as
 * deterministic as the shop.
 */
export function toFakeStore(shop: Shop): FakeStoreShop {
  return {
    users: shop.users.map((user) => {
      const [number, ...street] = user.address.address.split(' ');
      return {
        id: user.id,
        email: user.email,
        username: `${emailPart(user.firstName)}${user.id}`,
        password: `pw-${user.id}`,
        name: { firstname: user.firstName, lastname: user.lastName },
        address: {
          city: user.address.city,
          street: street.join(' '),
          number: Number(number),
          zipcode: user.address.postalCode,
          geolocation: { lat: '0', long: '0' },
        },
        phone: user.phone,
        __v: 0,
      };
    }),
    products: shop.products.map((product) => ({
      id: product.id,
      title: product.title,
      price: product.price,
      description: product.description,
      category: product.category,
      image: `https://fakestoreapi.com/img/${product.id}.jpg`,
      rating: { rate: product.rating, count: product.stock },
    })),
    carts: shop.carts.map((cart) => ({
      id: cart.id,
      userId: cart.userId,
      date: new Date(FAKESTORE_DATES_FROM + ((cart.id * 2_654_435_761) % 2_592_000) * 1000).toISOString(),
      products: cart.products.map((line) => ({ productId: line.id, quantity: line.quantity })),
      __v: 0,
    })),
  };
}

// ---------------------------------------------------------------------------------------------------
// File drops: customers.csv, products.csv, sales.json and sales.jsonl with known invalid events

/** Every way the generator makes a sales event invalid, each with the reason enrich gives it. */
export const INVALID_KINDS = {
  missing_id: REASON.missingOrderId,
  bad_timestamp: REASON.invalidTimestamp,
  non_numeric_quantity: REASON.invalidQuantity,
  zero_quantity: REASON.invalidQuantity,
  negative_quantity: REASON.invalidQuantity,
  negative_amount: REASON.invalidPrice,
  non_numeric_amount: REASON.invalidPrice,
  unknown_customer: REASON.unknownCustomer,
  unknown_product: REASON.unknownProduct,
  duplicate: REASON.duplicate,
  /** A line cut short (JSON Lines only: a JSON array with a broken element still parses around it). */
  unparseable: REASON.unparseable,
} as const satisfies Record<string, ReasonCode>;
export type InvalidKind = keyof typeof INVALID_KINDS;

/** The kinds a JSON array file can hold (every kind but `unparseable`). */
const ARRAY_KINDS = (Object.keys(INVALID_KINDS) as InvalidKind[]).filter((k) => k !== 'unparseable');
const LINE_KINDS = Object.keys(INVALID_KINDS) as InvalidKind[];

export interface DropOptions {
  /** PRNG seed; default 42. */
  seed?: number;
  /** Customers in customers.csv (and who buy); default 60. */
  customers?: number;
  /** Products in products.csv (and what is bought); default 40. */
  products?: number;
  /** Sales events written, invalid ones included; split between sales.json and sales.jsonl. Default 200. */
  orders?: number;
  /** Share of the events that are invalid, 0..1; default 0.1. Each invalid kind gets an equal share. */
  invalidRate?: number;
}

/** What a generated drop holds, for comparing a pipeline run with it. */
export interface DropReport {
  seed: number;
  /** Records written per file (rows, array elements, lines). */
  files: Record<string, number>;
  customers: number;
  products: number;
  /** Every sales event record written (valid + invalid). */
  events: number;
  /** Valid events: each is one order of one line. */
  valid: number;
  /** Invalid events, duplicates included. */
  invalid: number;
  /** Events repeating an earlier event's id in the same file. */
  duplicates: number;
  /** Invalid events that are not duplicates: what enrich rejects. */
  rejected: number;
  invalidByKind: Partial<Record<InvalidKind, number>>;
  /** `rejected` by reason code (duplicates not included). */
  rejectsByReason: Partial<Record<ReasonCode, number>>;
  /** Sum over valid events of unit price x quantity, in integer cents. */
  revenueCents: number;
}

/** One sales event as the drop writes it (fields vary for invalid events). */
export type SaleEvent = Record<string, unknown>;

/** The sales files and the share of events each gets. */
export const SALES_FILES = [
  { name: 'sales.json', format: 'json-array' },
  { name: 'sales.jsonl', format: 'jsonl' },
] as const;

const CHANNELS = ['organic', 'email', 'paid_search', 'social', 'affiliate', 'direct'] as const;
const PAYMENTS = ['card', 'paypal', 'bank_transfer', 'apple_pay', 'gift_card'] as const;
const STATUSES = ['completed', 'completed', 'completed', 'completed', 'shipped', 'processing'] as const;
const BAD_TIMESTAMPS = ['2026-02-30T10:00:00Z', 'yesterday', '31/12/2026 10:00', '2026-11-05T25:61:00Z'];
const BAD_QUANTITIES = ['two', '1.5x', 'N/A'];
const BAD_AMOUNTS = ['N/A', '12,99', 'free', '$'];
/** Sales events fall in the 30 days before this instant. */
export const SALES_UNTIL = Date.UTC(2026, 10, 1);

/** Customer and product ids in the drop: `C0001`, `P0001`; unknown ones `CX0001`, `PX0001`. */
const customerId = (id: number) => `C${String(id).padStart(4, '0')}`;
const productId = (id: number) => `P${String(id).padStart(4, '0')}`;

/** The generator of one drop's events, and the counts it keeps of what it wrote. */
export interface SalesGenerator {
  /** The next `count` events of a file of the given format, as JSON texts (an unparseable one is cut short). */
  events(count: number, format: 'json-array' | 'jsonl'): Generator<string>;
  report(): DropReport;
}

/**
 * A seeded generator of sales events over the customers and products of `generateShop`. Exactly
 * round(count x invalidRate) events of each file are invalid, spread uniformly, their kinds in
 * turn; a duplicate repeats the latest valid event of its file. Deterministic for a seed.
 */
export function salesGenerator(options: DropOptions = {}): SalesGenerator {
  const seed = options.seed ?? 42;
  const rate = options.invalidRate ?? 0.1;
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`invalidRate must be in 0..1, got ${rate}`);
  const shop = generateShop({
    seed,
    users: options.customers ?? 60,
    products: options.products ?? 40,
    carts: 0,
    anomalies: false,
  });
  const random = createRandom((seed ^ 0x5eed5eed) >>> 0);
  const report: DropReport = {
    seed,
    files: {},
    customers: shop.users.length,
    products: shop.products.length,
    events: 0,
    valid: 0,
    invalid: 0,
    duplicates: 0,
    rejected: 0,
    invalidByKind: {},
    rejectsByReason: {},
    revenueCents: 0,
  };
  let nextId = 1;
  let nextKind = 0;
  let unknownId = 1;

  const validEvent = (): { event: SaleEvent; cents: number } => {
    const user = random.pick(shop.users);
    const product = random.pick(shop.products);
    const quantity = random.int(1, 5);
    const priceCents = Math.round(product.price * 100);
    const ts = new Date(SALES_UNTIL - random.int(1, 30 * 24 * 3600) * 1000)
      .toISOString()
      .replace('.000Z', 'Z');
    return {
      cents: priceCents * quantity,
      event: {
        event_id: `E${String(nextId++).padStart(7, '0')}`,
        event_ts: ts,
        customer_id: customerId(user.id),
        customer_name: `${user.firstName} ${user.lastName}`,
        country: user.address.country,
        city: user.address.city,
        product_id: productId(product.id),
        product_name: product.title,
        category: product.category,
        quantity,
        unit_price: priceCents / 100,
        total_amount: (priceCents * quantity) / 100,
        marketing_channel: random.pick(CHANNELS),
        payment_method: random.pick(PAYMENTS),
        status: random.pick(STATUSES),
      },
    };
  };

  /** A valid event spoiled in one way (never `duplicate`: the caller repeats an event for that). */
  const spoil = (kind: InvalidKind): SaleEvent => {
    const { event } = validEvent();
    switch (kind) {
      case 'missing_id':
        delete event.event_id;
        break;
      case 'bad_timestamp':
        event.event_ts = random.pick(BAD_TIMESTAMPS);
        break;
      case 'non_numeric_quantity':
        event.quantity = random.pick(BAD_QUANTITIES);
        break;
      case 'zero_quantity':
        event.quantity = 0;
        event.total_amount = 0;
        break;
      case 'negative_quantity':
        event.quantity = -Number(event.quantity);
        event.total_amount = -Number(event.total_amount);
        break;
      case 'negative_amount':
        event.unit_price = -Number(event.unit_price);
        event.total_amount = -Number(event.total_amount);
        break;
      case 'non_numeric_amount':
        event.unit_price = random.pick(BAD_AMOUNTS);
        break;
      case 'unknown_customer':
        event.customer_id = `CX${String(unknownId++).padStart(4, '0')}`;
        delete event.customer_name;
        delete event.country;
        delete event.city;
        break;
      case 'unknown_product':
        event.product_id = `PX${String(unknownId++).padStart(4, '0')}`;
        delete event.product_name;
        delete event.category;
        break;
      default:
        break;
    }
    return event;
  };

  const count = (kind: InvalidKind) => {
    report.invalid += 1;
    report.invalidByKind[kind] = (report.invalidByKind[kind] ?? 0) + 1;
    if (kind === 'duplicate') {
      report.duplicates += 1;
      return;
    }
    report.rejected += 1;
    const reason = INVALID_KINDS[kind];
    report.rejectsByReason[reason] = (report.rejectsByReason[reason] ?? 0) + 1;
  };

  function* events(total: number, format: 'json-array' | 'jsonl'): Generator<string> {
    const kinds = format === 'jsonl' ? LINE_KINDS : ARRAY_KINDS;
    let invalidLeft = Math.round(total * rate);
    let latestValid: string | undefined;
    for (let i = 0; i < total; i += 1) {
      report.events += 1;
      // Selection sampling: exactly `invalidLeft` of the remaining positions, uniformly.
      const invalid = random.next() * (total - i) < invalidLeft;
      if (!invalid) {
        const { event, cents } = validEvent();
        report.valid += 1;
        report.revenueCents += cents;
        latestValid = JSON.stringify(event);
        yield latestValid;
        continue;
      }
      invalidLeft -= 1;
      let kind = kinds[nextKind % kinds.length] as InvalidKind;
      nextKind += 1;
      if (kind === 'duplicate' && latestValid === undefined) kind = 'missing_id';
      count(kind);
      if (kind === 'duplicate' && latestValid !== undefined) yield latestValid;
      else if (kind === 'unparseable') {
        const text = JSON.stringify(spoil(kind));
        yield text.slice(0, Math.floor(text.length / 2));
      } else yield JSON.stringify(spoil(kind));
    }
  }

  return { events, report: () => structuredClone(report) };
}

/** customers.csv of a drop's shop: the contract's header, quoted where a field needs it. */
export function customersCsv(options: DropOptions = {}): string {
  const shop = generateShop({
    seed: options.seed ?? 42,
    users: options.customers ?? 60,
    products: options.products ?? 40,
    carts: 0,
    anomalies: false,
  });
  const header = 'customer_id,first_name,last_name,email,city,state,country,postal_code';
  const rows = shop.users.map((u) =>
    [
      customerId(u.id),
      u.firstName,
      u.lastName,
      u.email,
      u.address.city,
      u.address.state,
      u.address.country,
      u.address.postalCode,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

/** products.csv of a drop's shop; about half the products state their own cost. */
export function productsCsv(options: DropOptions = {}): string {
  const seed = options.seed ?? 42;
  const shop = generateShop({
    seed,
    users: options.customers ?? 60,
    products: options.products ?? 40,
    carts: 0,
    anomalies: false,
  });
  const header = 'product_id,title,category,brand,unit_price,cost';
  const rows = shop.products.map((p) => {
    const priceCents = Math.round(p.price * 100);
    // Deterministic from the id: odd ids state a cost of 55 % of the price, rounded to the cent.
    const cost = p.id % 2 === 1 ? (Math.round(priceCents * 0.55) / 100).toFixed(2) : '';
    return [productId(p.id), p.title, p.category, p.brand ?? '', (priceCents / 100).toFixed(2), cost]
      .map(csvField)
      .join(',');
  });
  return `${[header, ...rows].join('\n')}\n`;
}

/** A CSV field, quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** An in-memory drop: the four files' contents and the report of what they hold. */
export function generateDrop(options: DropOptions = {}): {
  files: Record<string, string>;
  report: DropReport;
} {
  const orders = checkOrders(options.orders ?? 200);
  const sales = salesGenerator(options);
  const jsonCount = Math.floor(orders / 2);
  const elements = [...sales.events(jsonCount, 'json-array')];
  const lines = [...sales.events(orders - jsonCount, 'jsonl')];
  const files: Record<string, string> = {
    'customers.csv': customersCsv(options),
    'products.csv': productsCsv(options),
    'sales.json': elements.length === 0 ? '[]\n' : `[\n${elements.join(',\n')}\n]\n`,
    'sales.jsonl': lines.length === 0 ? '' : `${lines.join('\n')}\n`,
  };
  const report = sales.report();
  report.files = {
    'customers.csv': report.customers,
    'products.csv': report.products,
    'sales.json': elements.length,
    'sales.jsonl': lines.length,
  };
  return { files, report };
}

function checkOrders(orders: number): number {
  if (!Number.isSafeInteger(orders) || orders < 0) {
    throw new RangeError(`orders must be a non-negative integer, got ${orders}`);
  }
  return orders;
}
