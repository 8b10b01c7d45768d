import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Stage } from '../constants';
import { METRIC, METRICS_NAMESPACE, type MetricKey } from './constants';
import type { Metrics } from './metrics';

export interface EmfMetricsOptions {
  namespace?: string;
  /** The `service` dimension; default: POWERTOOLS_SERVICE_NAME (Powertools reads it). */
  serviceName?: string;
}

/**
 * Metrics as CloudWatch Embedded Metric Format, written by Powertools Metrics (one JSON line on
 * stdout per document, turned into metrics by CloudWatch Logs). Dimensions: `service` and `stage`;
 * each batch is one document whose metadata carries its `batchId`, `source` and `key`, so a metric
 * leads to the batch's log lines and traces.
 * @example const metrics = createEmfMetrics(); metrics.record(measurement); metrics.flush();
 */
export function createEmfMetrics(options: EmfMetricsOptions = {}): Metrics {
  const byStage = new Map<Stage, PowertoolsMetrics>();
  const forStage = (stage: Stage) => {
    let metrics = byStage.get(stage);
    if (!metrics) {
      metrics = new PowertoolsMetrics({
        namespace: options.namespace ?? METRICS_NAMESPACE,
        ...(options.serviceName ? { serviceName: options.serviceName } : {}),
        defaultDimensions: { stage },
      });
      byStage.set(stage, metrics);
    }
    return metrics;
  };
  return {
    record(measurement) {
      const metrics = forStage(measurement.stage);
      // One document a batch: metadata is per document, so the previous batch goes out first.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      for (const [name, value] of Object.entries({
        batchId: measurement.batchId,
        source: measurement.source,
        key: measurement.key,
      })) {
        if (value) metrics.addMetadata(name, value);
      }
      for (const [key, value] of Object.entries(measurement.values)) {
        if (value === undefined || !Number.isFinite(value)) continue;
        const metric = METRIC[key as MetricKey];
        metrics.addMetric(metric.name, metric.unit, value);
      }
    },
    flush() {
      for (const metrics of byStage.values()) {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      }
    },
  };
}
