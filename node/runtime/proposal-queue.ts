// Client commands waiting to be proposed: those arriving in one event-loop turn (or while an
// fsync is in flight) become one Raft entry, a ProposalBatch, applied in order — as many as the
// state machine allows per entry. Bounded by commands and bytes per entry; the runtime flushes
// when either bound would be crossed.

import { type Proposal, ProposalBatch } from "../../proto/gen/raft.js";

/** Bounds of one entry's batch of commands. */
export const MAX_COMMANDS_PER_ENTRY = 512;
export const MAX_ENTRY_BYTES = 512 * 1024;
/**
 * Largest single command (e.g. one SQL transaction's write set). A command above MAX_ENTRY_BYTES
 * gets an entry of its own, which the log writes and the transport sends alone in its batch; this
 * stays below the log's entry bound (64 MiB) and the transport's message bound (72 MiB). Bulk
 * loads need it: `pgbench -i -s 1` commits 100k rows (about 15 MiB) in one transaction.
 */
export const MAX_COMMAND_BYTES = 48 * 1024 * 1024;

export class ProposalQueue {
  private queue: Proposal[] = [];
  private bytes = 0;

  /** Whether adding a command of `size` bytes would overflow a batch of at most `maxCommands`. */
  wouldOverflow(size: number, maxCommands: number): boolean {
    return this.queue.length >= Math.min(maxCommands, MAX_COMMANDS_PER_ENTRY) || this.bytes + size > MAX_ENTRY_BYTES;
  }

  push(requestId: Uint8Array, command: Uint8Array): void {
    // Views, not copies: both are fresh buffers the caller never reuses.
    this.queue.push({ requestId: asBuffer(requestId), command: asBuffer(command) });
    this.bytes += command.byteLength;
  }

  /** Removes and returns the queued commands (empty when none). */
  take(): Proposal[] {
    const out = this.queue;
    this.queue = [];
    this.bytes = 0;
    return out;
  }
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function encodeBatch(proposals: Proposal[]): Uint8Array {
  return ProposalBatch.encode({ proposals }).finish();
}

/** The commands of a committed entry, or undefined when the bytes are not a ProposalBatch. */
export function decodeBatch(data: Uint8Array): Proposal[] | undefined {
  try {
    return ProposalBatch.decode(data).proposals;
  } catch {
    return undefined;
  }
}
