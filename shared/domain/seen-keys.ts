/**
 * An exact set of strings for the duplicate check, the one structure of enrich that grows with the
 * number of order lines. A `Set<string>` costs ~45 bytes a short key and hashes every key through
 * V8's string table; this keeps each key's UTF-8 bytes once in an arena and an open-addressing
 * table of (32-bit hash, arena offset) in typed arrays: ~30 bytes a key at a million 8-character
 * keys, and no garbage. Exact: a hash match is confirmed byte by byte, so two different keys never collide.
 * @example
 * const seen = new SeenKeys();
 * seen.addOrHas('1#1'); // false: first time
 * seen.addOrHas('1#1'); // true: seen before
 */
export class SeenKeys {
  private offsets = new Int32Array(1 << 12).fill(-1);
  private hashes = new Uint32Array(1 << 12);
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  private count = 0;
  private readonly scratch = new Uint8Array(4096);
  private readonly encoder = new TextEncoder();

  /** Number of distinct keys. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the structure. */
  get bytes(): number {
    return this.offsets.byteLength + this.hashes.byteLength + this.arena.byteLength;
  }

  /** Add a key; true when it was already there. */
  addOrHas(key: string): boolean {
    const fits = key.length * 3 <= this.scratch.length;
    const bytes = fits ? this.scratch : this.encoder.encode(key);
    const length = fits ? this.encoder.encodeInto(key, this.scratch).written : bytes.length;
    return this.addOrHasBytes(bytes, length);
  }

  /** Add a key given as its UTF-8 bytes (the first `length` of them); true when it was already there. */
  addOrHasBytes(bytes: Uint8Array, length = bytes.length): boolean {
    let hash = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < length; i += 1) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    hash >>>= 0;
    const mask = this.offsets.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = this.offsets[slot]!;
      if (at === -1) {
        this.insert(slot, hash, bytes, length);
        return false;
      }
      if (this.hashes[slot] === hash && this.equals(at, bytes, length)) return true;
    }
  }

  /** Visit every key's UTF-8 bytes, in the order they were first added (a view: copy to keep). */
  forEachKey(visit: (bytes: Uint8Array) => void): void {
    const arena = this.arena;
    for (let at = 0; at < this.used; ) {
      const length = arena[at]! | (arena[at + 1]! << 8) | (arena[at + 2]! << 16);
      visit(arena.subarray(at + 3, at + 3 + length));
      at += 3 + length;
    }
  }

  private equals(at: number, bytes: Uint8Array, length: number): boolean {
    const arena = this.arena;
    if ((arena[at]! | (arena[at + 1]! << 8) | (arena[at + 2]! << 16)) !== length) return false;
    for (let i = 0; i < length; i += 1) if (arena[at + 3 + i] !== bytes[i]) return false;
    return true;
  }

  private insert(slot: number, hash: number, bytes: Uint8Array, length: number): void {
    if (length >= 1 << 24) throw new RangeError('a duplicate key longer than 16 MiB');
    const needed = this.used + 3 + length;
    if (needed > this.arena.length) {
      const grown = new Uint8Array(Math.max(needed, Math.ceil(this.arena.length * 1.5)));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
    }
    const at = this.used;
    this.arena[at] = length & 0xff;
    this.arena[at + 1] = (length >> 8) & 0xff;
    this.arena[at + 2] = (length >> 16) & 0xff;
    this.arena.set(bytes.subarray(0, length), at + 3);
    this.used = needed;
    this.offsets[slot] = at;
    this.hashes[slot] = hash;
    this.count += 1;
    if (this.count * 4 > this.offsets.length * 3) this.grow();
  }

  /** Double the table when it is three quarters full. */
  private grow(): void {
    const offsets = this.offsets;
    const hashes = this.hashes;
    this.offsets = new Int32Array(offsets.length * 2).fill(-1);
    this.hashes = new Uint32Array(offsets.length * 2);
    const mask = this.offsets.length - 1;
    for (let i = 0; i < offsets.length; i += 1) {
      if (offsets[i] === -1) continue;
      let slot = hashes[i]! & mask;
      while (this.offsets[slot] !== -1) slot = (slot + 1) & mask;
      this.offsets[slot] = offsets[i]!;
      this.hashes[slot] = hashes[i]!;
    }
  }
}
