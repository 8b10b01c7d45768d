import { Tracer } from '@aws-lambda-powertools/tracer';

let tracer: Tracer | undefined;

/**
 * The container's Powertools Tracer (X-Ray). It traces only inside Lambda with active tracing;
 * elsewhere (local runs, tests, `sls invoke local`) every call below is a no-op.
 */
export function pipelineTracer(): Tracer {
  tracer ??= new Tracer();
  return tracer;
}

/**
 * An AWS SDK v3 client whose calls appear as X-Ray subsegments.
 * @example const s3 = traceClient(new S3Client({}));
 */
export function traceClient<T>(client: T): T {
  return pipelineTracer().captureAWSv3Client(client);
}

/**
 * Run one batch in its own X-Ray subsegment annotated with the batch id (and stage, source), so
 * X-Ray can find a batch's work in all four functions: `annotation.batchId = "..."`.
 */
export async function traceBatch<T>(
  name: string,
  annotations: Record<string, string | undefined>,
  work: () => Promise<T>,
): Promise<T> {
  const t = pipelineTracer();
  const parent = t.isTracingEnabled() ? t.getSegment() : undefined;
  if (!parent) return work();
  const subsegment = parent.addNewSubsegment(name);
  t.setSegment(subsegment);
  for (const [key, value] of Object.entries(annotations)) if (value) subsegment.addAnnotation(key, value);
  try {
    return await work();
  } catch (error) {
    subsegment.addError(error as Error);
    throw error;
  } finally {
    subsegment.close();
    t.setSegment(parent);
  }
}
