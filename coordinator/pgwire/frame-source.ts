// Pull-style frame input over a socket: next() resolves with the next complete frame, or
// undefined at end of stream. Applies backpressure (pauses the socket while a whole frame waits
// and too many bytes are buffered) and can move to a TLS socket after SSLRequest.

import type { Duplex } from "node:stream";
import type { Clock } from "../../util/index.js";
import { READ_HIGH_WATER_BYTES } from "./constants.js";
import { type Frame, FrameDecoder } from "./frame-decoder.js";

/** next(timeoutMs) found no frame in time; the caller decides what that means. */
export class FrameTimeout extends Error {
  constructor() {
    super("timeout waiting for client data");
    this.name = "FrameTimeout";
  }
}

export class FrameSource {
  readonly decoder: FrameDecoder;
  private socket: Duplex;
  /** The peer finished sending (frames already buffered are still delivered). */
  private ended = false;
  /** end() was called: deliver nothing more. */
  private stopped = false;
  private paused = false;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.decoder.push(chunk);
    if (this.decoder.bufferedBytes > READ_HIGH_WATER_BYTES && this.decoder.hasFrame()) {
      this.paused = true;
      this.socket.pause();
    }
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  constructor(
    socket: Duplex,
    maxFrameBytes: number,
    private readonly clock: Clock,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: Duplex): void {
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onEnd);
  }

  /** Stops reading the current socket and continues on another (the TLS wrapper of it). */
  switchTo(socket: Duplex): void {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.socket.off("error", this.onEnd);
    this.socket = socket;
    this.attach(socket);
  }

  /** Makes next() return undefined from now on (server shutdown, fatal error). */
  end(): void {
    this.stopped = true;
    this.onEnd();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  hasFrame(): boolean {
    return this.decoder.hasFrame();
  }

  /**
   * The next frame; undefined at end of stream. Throws 08P01 on a bad frame; with timeoutMs,
   * throws FrameTimeout if no frame arrives in time.
   */
  async next(timeoutMs?: number): Promise<Frame | undefined> {
    const deadline = timeoutMs === undefined ? undefined : this.clock.monotonicMs() + timeoutMs;
    for (;;) {
      if (this.stopped) return undefined;
      const frame = this.decoder.next();
      if (frame !== undefined) {
        if (this.paused && !(this.decoder.bufferedBytes > READ_HIGH_WATER_BYTES && this.decoder.hasFrame())) {
          this.paused = false;
          this.socket.resume();
        }
        return frame;
      }
      if (this.ended) return undefined;
      if (this.paused) {
        this.paused = false;
        this.socket.resume();
      }
      await this.waitForInput(deadline);
    }
  }

  private waitForInput(deadline: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer =
        deadline === undefined
          ? undefined
          : this.clock.setTimeout(
              () => {
                this.wake = undefined;
                reject(new FrameTimeout());
              },
              Math.max(0, deadline - this.clock.monotonicMs()),
            );
      this.wake = () => {
        timer?.cancel();
        resolve();
      };
    });
  }
}
