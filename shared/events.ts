import { z } from 'zod';
import { type LoadMessage, loadMessageSchema } from './domain/manifest';
import { InvalidEventError } from './errors';

const isoTime = z.string().datetime({ offset: true });
/** EventBridge's plain scheduled event (its `source` is `aws.events`, not ours). */
const scheduledEvent = z.object({ 'detail-type': z.literal('Scheduled Event'), time: isoTime });
/** The schedule's input transformer output: `{"source": "...", "time": <time>}`. */
const ingestInput = z.object({ source: z.string().min(1), time: isoTime });

/** The source and schedule time of an ingest event; the plain scheduled event uses the default source. */
export function parseIngestEvent(
  event: unknown,
  defaultSource: string,
): { source: string; scheduledTime: Date } {
  const scheduled = scheduledEvent.safeParse(event);
  if (scheduled.success) return { source: defaultSource, scheduledTime: new Date(scheduled.data.time) };
  const parsed = ingestInput.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEventError(
      `not an ingest event ({source, time} or an EventBridge Scheduled Event): ${parsed.error.message}`,
    );
  }
  return { source: parsed.data.source, scheduledTime: new Date(parsed.data.time) };
}

/** The load message of an SQS record body. */
export function parseLoadMessage(body: string): LoadMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidEventError('load message is not JSON', { cause: error });
  }
  const parsed = loadMessageSchema.safeParse(json);
  if (!parsed.success) throw new InvalidEventError(`not a load message: ${parsed.error.message}`);
  return parsed.data;
}
