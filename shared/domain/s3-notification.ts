import { z } from 'zod';
import { InvalidEventError } from '../errors';

/** An object an S3 event notification announces. */
export interface ObjectRef {
  bucket: string;
  key: string;
  size?: number;
  eTag?: string;
}

const testEvent = z.object({ Event: z.literal('s3:TestEvent') }).passthrough();
const notification = z.object({
  Records: z.array(
    z
      .object({
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({
            key: z.string().min(1),
            size: z.number().optional(),
            eTag: z.string().optional(),
          }),
        }),
      })
      .passthrough(),
  ),
});

/**
 * The created objects an S3 event notification (an SQS message body) announces. S3's
 * `s3:TestEvent`, sent when a notification is configured, announces none. Keys arrive
 * URL-encoded with `+` for spaces, as S3 sends them.
 */
export function parseS3Notification(body: string): ObjectRef[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidEventError('message body is not JSON', { cause: error });
  }
  if (testEvent.safeParse(json).success) return [];
  const parsed = notification.safeParse(json);
  if (!parsed.success)
    throw new InvalidEventError(`message body is not an S3 event notification: ${parsed.error.message}`);
  return parsed.data.Records.filter((r) => r.eventName.startsWith('ObjectCreated')).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeKey(r.s3.object.key),
    size: r.s3.object.size,
    eTag: r.s3.object.eTag,
  }));
}

/** S3 sends keys URL-encoded with `+` for spaces; a broken escape means a corrupt message. */
function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (error) {
    throw new InvalidEventError(`object key ${JSON.stringify(key)} is not URL-encoded`, { cause: error });
  }
}
