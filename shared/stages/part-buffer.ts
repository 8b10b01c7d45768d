/**
 * The bytes of one raw part being built: a JSON header, records separated by commas, a closing
 * tail, in a byte buffer that is reused part after part. Records are encoded into it as they come,
 * so their strings die young instead of piling up on the JS heap until the part is written; two of
 * these alternate, one being written while the next fills. The buffer grows when a part needs it.
 */
export class PartBuffer {
  private bytes: Buffer;
  private used = 0;
  private count = 0;

  constructor(initialBytes = 1024 * 1024) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  /** Start a new part with its header (e.g. `{"records":[`); the previous part's bytes are dropped. */
  start(header: string): void {
    this.used = 0;
    this.count = 0;
    this.write(header);
  }

  /** Append one record's JSON text. */
  add(json: string): void {
    if (this.count > 0) this.write(',');
    this.write(json);
    this.count += 1;
  }

  /** Records added since `start`. */
  get records(): number {
    return this.count;
  }

  /** Bytes written since `start`. */
  get size(): number {
    return this.used;
  }

  /**
   * Close the part with its tail (e.g. `]}`) and return its bytes: a view of the buffer, valid
   * until the next `start`.
   */
  finish(tail: string): Uint8Array {
    this.write(tail);
    return this.bytes.subarray(0, this.used);
  }

  private write(text: string): void {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: measure exactly only when that bound may not fit.
    if (this.bytes.length - this.used < text.length * 3) {
      const needed = this.used + Buffer.byteLength(text);
      if (needed > this.bytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
        this.bytes.copy(grown, 0, 0, this.used);
        this.bytes = grown;
      }
    }
    this.used += this.bytes.write(text, this.used);
  }
}
