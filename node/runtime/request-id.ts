// Request ids embedded in proposals and ReadIndex contexts, so the node that proposed can match
// an applied entry to the waiting client. Unique across restarts: a per-boot random nonce.

import type { Random } from "../../util/index.js";

export class RequestIds {
  private counter = 0;
  private readonly nonce: number;

  constructor(
    private readonly nodeId: number,
    random: Random,
  ) {
    this.nonce = random.int(0x1_0000_0000);
  }

  next(): Uint8Array {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(this.nodeId >>> 0, 0);
    b.writeUInt32BE(this.nonce >>> 0, 4);
    this.counter++;
    b.writeUInt32BE(Math.floor(this.counter / 0x1_0000_0000), 8);
    b.writeUInt32BE(this.counter >>> 0, 12);
    return b;
  }
}

export function requestKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}
