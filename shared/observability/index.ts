/**
 * Observability of the four functions: structured logs (Powertools Logger on AWS), EMF metrics
 * through the `Metrics` port, X-Ray traces of the AWS SDK clients and of each batch, and the middy
 * middlewares that keep handlers thin. One batch id correlates a batch's logs, metrics and traces
 * across ingest, enrich, convert and load.
 */
export {
  type BatchContext,
  contextOfKey,
  contextOfLoad,
  contextOfNotification,
  contextOfRun,
} from './batch-context';
export { LOG_RECORD_ORDER, METRIC, METRICS_NAMESPACE, type MetricKey, type MetricName } from './constants';
export { createEmfMetrics, type EmfMetricsOptions } from './emf-metrics';
export {
  type BatchMeasurement,
  createMemoryMetrics,
  type MemoryMetrics,
  type Metrics,
  type MetricValues,
  noMetrics,
} from './metrics';
export { injectLogContext, logErrors, type Observed, observe, publishMetrics } from './middleware';
export { observeBatch } from './observe-batch';
export { createPowertoolsLogger, type PowertoolsLoggerOptions } from './powertools-logger';
export {
  type Measured,
  measureConvert,
  measureEnrich,
  measureIngest,
  measureIngestRuns,
  measureLoad,
} from './stage-measures';
export { pipelineTracer, traceBatch, traceClient } from './tracer';
