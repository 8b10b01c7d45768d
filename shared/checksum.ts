import { createHash } from 'node:crypto';

/** SHA-256 of a body, hex: the checksum manifests record for every file. */
export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}
