// A progress indicator for statements running longer than PROGRESS_DELAY_MS: a spinner with the
// elapsed time on the terminal (stderr), erased when the statement ends. Only for terminals.

import type { Clock, TimerHandle } from "../../util/index.js";

export const PROGRESS_DELAY_MS = 1000;
export const PROGRESS_TICK_MS = 100;
const FRAMES = ["|", "/", "-", "\\"];

export class Progress {
  private delay: TimerHandle | undefined;
  private tick: TimerHandle | undefined;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly clock: Clock,
  ) {}

  start(): void {
    const t0 = this.clock.monotonicMs();
    let frame = 0;
    this.delay = this.clock.setTimeout(() => {
      this.tick = this.clock.setInterval(() => {
        const s = ((this.clock.monotonicMs() - t0) / 1000).toFixed(1);
        this.out.write(`\r${FRAMES[frame++ % FRAMES.length]} running ${s} s (Ctrl-C cancels)`);
        this.shown = true;
      }, PROGRESS_TICK_MS);
    }, PROGRESS_DELAY_MS);
  }

  stop(): void {
    this.delay?.cancel();
    this.tick?.cancel();
    this.delay = undefined;
    this.tick = undefined;
    if (this.shown) this.out.write("\r\x1b[K");
    this.shown = false;
  }
}
