import type { Warehouse, WarehouseRow } from '../../shared/adapters/warehouse';
import { ANALYTICS_VIEWS } from '../../shared/constants';
import type { BatchMeasurement } from '../../shared/observability';
import type { RunSummary } from '../summary';

export type ViewName = (typeof ANALYTICS_VIEWS)[number]['name'];

/** A span of the run's timeline: a phase of the CLI (stack start) or one batch in one stage. */
export interface TimelineSpan {
  /** `stack start`, or a stage name. */
  name: string;
  batchId?: string;
  /** Milliseconds since the run started. */
  startMs: number;
  endMs: number;
  failed?: boolean;
}

/** A phase the CLI timed itself (epoch milliseconds). */
export interface RunPhase {
  name: string;
  startedAt: number;
  endedAt: number;
}

/** Everything the HTML report shows. */
export interface ReportData {
  title: string;
  generatedAt: Date;
  summary: RunSummary;
  /** Every analytics view's rows, in the view's reading order. */
  views: Record<ViewName, WarehouseRow[]>;
  timeline: TimelineSpan[];
}

/**
 * Read what the report needs: every analytics view (whole, in its reading order) from the
 * warehouse, and the run's timeline from the CLI's phases and the handlers' batch measurements.
 */
export async function collectReportData(input: {
  warehouse: Warehouse;
  summary: RunSummary;
  measurements: readonly BatchMeasurement[];
  phases?: readonly RunPhase[];
  title?: string;
  generatedAt?: Date;
}): Promise<ReportData> {
  const views = {} as Record<ViewName, WarehouseRow[]>;
  for (const view of ANALYTICS_VIEWS) {
    views[view.name] = await input.warehouse.query(
      `SELECT * FROM ANALYTICS.${view.name} ORDER BY ${view.orderBy}`,
    );
  }
  return {
    title: input.title ?? 'Shop pipeline run',
    generatedAt: input.generatedAt ?? new Date(),
    summary: input.summary,
    views,
    timeline: timelineOf(input.phases ?? [], input.measurements),
  };
}

/** Phases and batch measurements as spans relative to the earliest start. */
export function timelineOf(
  phases: readonly RunPhase[],
  measurements: readonly BatchMeasurement[],
): TimelineSpan[] {
  const starts = [...phases.map((p) => p.startedAt), ...measurements.map((m) => m.startedAt)];
  if (starts.length === 0) return [];
  const origin = Math.min(...starts);
  return [
    ...phases.map((p) => ({ name: p.name, startMs: p.startedAt - origin, endMs: p.endedAt - origin })),
    ...measurements.map((m) => ({
      name: m.stage,
      ...(m.batchId ? { batchId: m.batchId } : {}),
      startMs: m.startedAt - origin,
      endMs: m.endedAt - origin,
      ...(m.failed ? { failed: true } : {}),
    })),
  ];
}
