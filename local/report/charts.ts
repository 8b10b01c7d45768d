import type { TopLevelSpec } from 'vega-lite';
import type { WarehouseRow } from '../../shared/adapters/warehouse';
import { STAGE } from '../../shared/constants';
import type { ReportData, TimelineSpan } from './data';

/** One chart of the report: its title, a line saying what it shows, its spec and its data as a table. */
export interface ChartDefinition {
  id: string;
  title: string;
  subtitle: string;
  /** Null when there is nothing to draw (the page says so instead). */
  spec: TopLevelSpec | null;
  empty: string;
  table: { columns: string[]; rows: (string | number)[][] };
}

export const COLORS = {
  revenue: '#2563eb',
  profit: '#16a34a',
  cost: '#f59e0b',
  reject: '#dc2626',
  muted: '#94a3b8',
  palette: [
    '#2563eb',
    '#16a34a',
    '#f59e0b',
    '#9333ea',
    '#0891b2',
    '#dc2626',
    '#db2777',
    '#65a30d',
    '#475569',
  ],
  stages: {
    'stack start': '#94a3b8',
    ingest: '#0891b2',
    enrich: '#2563eb',
    convert: '#9333ea',
    load: '#16a34a',
  } as Record<string, string>,
} as const;

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const WIDTH = 520;

/** Look shared by every chart: quiet axes, light grid, no frame. */
const CONFIG = {
  font: FONT,
  background: 'transparent',
  view: { stroke: null },
  padding: 4,
  axis: {
    labelColor: '#475569',
    titleColor: '#334155',
    titleFontWeight: 600,
    titleFontSize: 11,
    labelFontSize: 11,
    gridColor: '#e2e8f0',
    domainColor: '#cbd5e1',
    tickColor: '#cbd5e1',
    labelLimit: 260,
  },
  legend: { orient: 'top', labelColor: '#334155', labelFontSize: 11, title: null, symbolType: 'square' },
  bar: { cornerRadiusEnd: 3 },
  text: { fontSize: 11, color: '#334155' },
} as const;

const num = (value: unknown) => Number(value ?? 0);
const money = (value: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Every chart of the report, in reading order. */
export function reportCharts(data: ReportData): ChartDefinition[] {
  const v = data.views;
  return [
    dailyChart(v.VW_DAILY_REVENUE),
    revenueProfitBars({
      id: 'category',
      title: 'Revenue by category',
      subtitle: 'Gross revenue with the profit inside it, per product category',
      rows: v.VW_SALES_BY_CATEGORY,
      label: (r) => String(r.category),
      labelTitle: 'category',
      extra: { name: 'orders', value: (r) => num(r.orders) },
    }),
    revenueProfitBars({
      id: 'country',
      title: 'Revenue by country',
      subtitle: 'Where the customers who ordered live',
      rows: v.VW_SALES_BY_COUNTRY,
      label: (r) => String(r.country),
      labelTitle: 'country',
      extra: { name: 'customers', value: (r) => num(r.customers) },
    }),
    revenueProfitBars({
      id: 'customers',
      title: 'Top 10 customers',
      subtitle: 'By revenue, with their country',
      rows: [...v.VW_TOP_CUSTOMERS].sort((a, b) => num(a.revenue_rank) - num(b.revenue_rank)).slice(0, 10),
      label: (r) =>
        `${String(r.customer_name || r.customer_id)}${r.country ? ` (${String(r.country)})` : ''}`,
      labelTitle: 'customer',
      extra: { name: 'orders', value: (r) => num(r.orders) },
      disambiguate: (r) => `${String(r.source)} #${String(r.customer_id)}`,
    }),
    donut({
      id: 'status',
      title: 'Order status',
      subtitle: 'Orders by their status',
      rows: v.VW_ORDER_STATUS,
      label: (r) => String(r.status),
      measure: 'orders',
    }),
    revenueProfitBars({
      id: 'channel',
      title: 'Sales by channel',
      subtitle: 'Revenue and profit per marketing channel',
      rows: v.VW_SALES_BY_CHANNEL,
      label: (r) => String(r.channel),
      labelTitle: 'channel',
      extra: { name: 'orders', value: (r) => num(r.orders) },
    }),
    donut({
      id: 'payment',
      title: 'Payment methods',
      subtitle: 'Share of revenue per payment method',
      rows: v.VW_SALES_BY_PAYMENT_METHOD,
      label: (r) => String(r.payment_method),
      measure: 'revenue',
    }),
    rejectsChart(data.summary.rejectsByReason),
    timingsChart(data.timeline),
  ];
}

function dailyChart(rows: WarehouseRow[]): ChartDefinition {
  const values = rows.map((r) => ({
    date: String(r.order_date),
    revenue: num(r.revenue),
    profit: num(r.profit),
    orders: num(r.orders),
  }));
  const few = values.length <= 14;
  const y = { field: 'value', type: 'quantitative', title: null, axis: { format: ',.0f' } } as const;
  const color = {
    field: 'measure',
    type: 'nominal',
    scale: { domain: ['revenue', 'profit'], range: [COLORS.revenue, COLORS.profit] },
  } as const;
  const spec: TopLevelSpec = {
    config: CONFIG,
    width: WIDTH,
    height: 230,
    description: 'Revenue and profit per order date',
    data: { values },
    transform: few ? [{ fold: ['revenue', 'profit'], as: ['measure', 'value'] }] : [],
    layer: few
      ? [
          {
            mark: { type: 'bar', width: { band: 0.8 } },
            encoding: {
              x: { field: 'date', type: 'ordinal', title: null, axis: { labelAngle: 0 } },
              xOffset: { field: 'measure', sort: ['revenue', 'profit'] },
              y,
              color,
            },
          },
          {
            mark: { type: 'text', dy: -7 },
            encoding: {
              x: { field: 'date', type: 'ordinal' },
              xOffset: { field: 'measure', sort: ['revenue', 'profit'] },
              y,
              text: { field: 'value', type: 'quantitative', format: ',.0f' },
            },
          },
        ]
      : [
          // Many days: bars on a time axis (no line across days without orders), profit inside revenue.
          {
            mark: { type: 'bar' },
            encoding: {
              x: { field: 'date', type: 'temporal', timeUnit: 'utcyearmonthdate', title: null },
              y: { field: 'revenue', type: 'quantitative', title: null, axis: { format: ',.0f' } },
              color: {
                datum: 'revenue',
                type: 'nominal',
                scale: { domain: ['revenue', 'profit'], range: ['#93c5fd', COLORS.profit] },
              },
            },
          },
          {
            mark: { type: 'bar', width: { band: 0.5 } },
            encoding: {
              x: { field: 'date', type: 'temporal', timeUnit: 'utcyearmonthdate' },
              y: { field: 'profit', type: 'quantitative' },
              color: { datum: 'profit', type: 'nominal' },
            },
          },
        ],
  };
  return {
    id: 'daily',
    title: 'Daily revenue and profit',
    subtitle: 'Per order date (orders without a time of their own fall on their ingestion day)',
    spec: values.length > 0 ? spec : null,
    empty: 'No order lines loaded.',
    table: {
      columns: ['order date', 'orders', 'revenue', 'profit'],
      rows: values.map((r) => [r.date, r.orders, money(r.revenue), money(r.profit)]),
    },
  };
}

function revenueProfitBars(options: {
  id: string;
  title: string;
  subtitle: string;
  rows: WarehouseRow[];
  label: (row: WarehouseRow) => string;
  labelTitle: string;
  extra: { name: string; value: (row: WarehouseRow) => number };
  /** Appended to labels that would otherwise be equal (a bar per row, never two rows on one bar). */
  disambiguate?: (row: WarehouseRow) => string;
}): ChartDefinition {
  const labels = options.rows.map(options.label);
  const repeated = new Set(labels.filter((label, i) => labels.indexOf(label) !== i));
  const values = options.rows.map((r, i) => ({
    label:
      repeated.has(labels[i]!) && options.disambiguate
        ? `${labels[i]} · ${options.disambiguate(r)}`
        : labels[i]!,
    revenue: num(r.revenue),
    profit: num(r.profit),
    extra: options.extra.value(r),
  }));
  const order = values.map((r) => r.label);
  const yEnc = { field: 'label', type: 'nominal', title: null, sort: order } as const;
  const spec: TopLevelSpec = {
    config: CONFIG,
    width: WIDTH - 190,
    height: { step: 24 },
    description: options.title,
    data: { values },
    layer: [
      {
        mark: { type: 'bar', size: 16 },
        encoding: {
          y: yEnc,
          x: { field: 'revenue', type: 'quantitative', title: null, axis: { format: '~s' } },
          color: {
            datum: 'revenue',
            type: 'nominal',
            scale: { domain: ['revenue', 'profit'], range: ['#93c5fd', COLORS.profit] },
          },
        },
      },
      {
        mark: { type: 'bar', size: 8 },
        encoding: {
          y: yEnc,
          x: { field: 'profit', type: 'quantitative' },
          color: { datum: 'profit', type: 'nominal' },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: {
          y: yEnc,
          x: { field: 'revenue', type: 'quantitative' },
          text: { field: 'revenue', type: 'quantitative', format: ',.0f' },
        },
      },
    ],
  };
  return {
    id: options.id,
    title: options.title,
    subtitle: options.subtitle,
    spec: values.length > 0 ? spec : null,
    empty: 'No order lines loaded.',
    table: {
      columns: [options.labelTitle, options.extra.name, 'revenue', 'profit'],
      rows: values.map((r) => [r.label, r.extra, money(r.revenue), money(r.profit)]),
    },
  };
}

function donut(options: {
  id: string;
  title: string;
  subtitle: string;
  rows: WarehouseRow[];
  label: (row: WarehouseRow) => string;
  measure: 'orders' | 'revenue';
}): ChartDefinition {
  const values = options.rows
    .map((r) => ({ label: options.label(r), value: num(r[options.measure]), orders: num(r.orders) }))
    .sort((a, b) => b.value - a.value);
  const total = values.reduce((sum, r) => sum + r.value, 0);
  const withShare = values.map((r) => ({ ...r, share: total > 0 ? r.value / total : 0 }));
  const theta = { field: 'value', type: 'quantitative', stack: true } as const;
  const color = {
    field: 'label',
    type: 'nominal',
    sort: values.map((r) => r.label),
    scale: { range: [...COLORS.palette] },
    legend: { orient: 'right', title: null },
  } as const;
  const spec: TopLevelSpec = {
    config: CONFIG,
    width: 230,
    height: 230,
    description: options.title,
    data: { values: withShare },
    encoding: { theta, color, order: { field: 'value', type: 'quantitative', sort: 'descending' } },
    layer: [
      { mark: { type: 'arc', innerRadius: 62, outerRadius: 110, padAngle: 0.01, stroke: 'white' } },
      {
        transform: [{ filter: 'datum.share >= 0.04' }],
        mark: { type: 'text', radius: 86, fill: 'white', fontWeight: 600 },
        encoding: { text: { field: 'share', type: 'quantitative', format: '.0%' } },
      },
    ],
  };
  return {
    id: options.id,
    title: options.title,
    subtitle: options.subtitle,
    spec: values.length > 0 ? spec : null,
    empty: 'No order lines loaded.',
    table: {
      columns: [options.id === 'status' ? 'status' : 'payment method', options.measure, 'share'],
      rows: withShare.map((r) => [
        r.label,
        options.measure === 'revenue' ? money(r.value) : r.value,
        `${(r.share * 100).toFixed(1)} %`,
      ]),
    },
  };
}

function rejectsChart(byReason: Record<string, number>): ChartDefinition {
  const values = Object.entries(byReason)
    .map(([reason, rows]) => ({ reason, rows }))
    .sort((a, b) => b.rows - a.rows || a.reason.localeCompare(b.reason));
  const y = { field: 'reason', type: 'nominal', title: null, sort: values.map((r) => r.reason) } as const;
  const spec: TopLevelSpec = {
    config: CONFIG,
    width: WIDTH - 190,
    height: { step: 26 },
    description: 'Rejected order lines by reason code',
    data: { values },
    layer: [
      {
        mark: { type: 'bar', color: COLORS.reject, size: 16 },
        encoding: {
          y,
          x: {
            field: 'rows',
            type: 'quantitative',
            title: 'order lines',
            axis: { format: 'd', tickMinStep: 1 },
          },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: {
          y,
          x: { field: 'rows', type: 'quantitative' },
          text: { field: 'rows', type: 'quantitative' },
        },
      },
    ],
  };
  return {
    id: 'rejects',
    title: 'Rejected order lines by reason',
    subtitle: 'Lines kept out of the facts, with their raw record, in STAGING.ORDER_REJECTS',
    spec: values.length > 0 ? spec : null,
    empty: 'No rejected order lines in this run.',
    table: { columns: ['reason', 'order lines'], rows: values.map((r) => [r.reason, r.rows]) },
  };
}

function timingsChart(timeline: readonly TimelineSpan[]): ChartDefinition {
  const order = ['stack start', ...STAGE];
  const values = timeline.map((span) => {
    const duration = span.endMs - span.startMs;
    const source = span.batchId ? span.batchId.replace(/-\d{8}T\d{6}Z$/, '') : '';
    return {
      ...span,
      batch: span.batchId ?? '',
      duration,
      label: `${source ? `${source} · ` : ''}${duration.toLocaleString('en-US')} ms${span.failed ? ' (failed)' : ''}`,
    };
  });
  const y = { field: 'name', type: 'nominal', title: null, sort: order } as const;
  // Batches of one stage side by side in its row, so concurrent batches do not hide each other.
  const yOffset = { field: 'batch', type: 'nominal' } as const;
  const spec: TopLevelSpec = {
    config: CONFIG,
    width: 1020,
    // A row per stage, 18 px per batch in it.
    height: order.length * (18 * Math.max(1, new Set(values.map((v) => v.batch).filter(Boolean)).size) + 12),
    description: 'When each stage worked on each batch, in milliseconds since the run started',
    data: { values },
    layer: [
      {
        mark: { type: 'bar', cornerRadius: 3 },
        encoding: {
          y,
          yOffset,
          x: { field: 'startMs', type: 'quantitative', title: 'ms since the run started' },
          x2: { field: 'endMs' },
          color: {
            field: 'name',
            type: 'nominal',
            legend: null,
            scale: { domain: order, range: order.map((name) => COLORS.stages[name] ?? COLORS.muted) },
          },
          opacity: { condition: { test: 'datum.failed', value: 0.35 }, value: 1 },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: { y, yOffset, x: { field: 'endMs', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
  return {
    id: 'timings',
    title: 'Stage timings',
    subtitle: 'When each stage worked on each batch (the stages run one after the other through S3 and SQS)',
    spec: values.length > 0 ? spec : null,
    empty: 'No timings recorded.',
    table: {
      columns: ['stage', 'batch', 'start (ms)', 'end (ms)', 'duration (ms)'],
      rows: values.map((s) => [s.name, s.batch, s.startMs, s.endMs, s.duration]),
    },
  };
}
