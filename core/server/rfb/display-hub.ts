// The fan-out of one VM screen to its RFB clients. There is exactly one hub per frame
// (taking dirt from a frame clears it), found with hubFor(); while clients are connected it
// polls the frame's generation counter ~60 times a second and hands new dirt and size
// changes to every connection, which send when their clients ask and their links drain.
import type { ConsoleDisplay, FrameSource } from '../../vmm/console';
import type { RfbConnection } from './rfb-connection';

const POLL_MS = 16;
const hubs = new WeakMap<FrameSource, DisplayHub>();

export class DisplayHub {
  private readonly connections = new Set<RfbConnection>();
  private timer: NodeJS.Timeout | undefined;
  private generation: number;
  private sizeGeneration: number;

  constructor(readonly display: ConsoleDisplay) {
    this.generation = display.frame.generation;
    this.sizeGeneration = display.frame.sizeGeneration;
    display.frame.takeDirty(); // old dirt: every new client starts with the whole screen
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** Who is watching, and how their updates are encoded. */
  clients(): { peer: string; encoding: 'zrle' | 'raw'; updates: number; copyRects: number }[] {
    return [...this.connections].map((c) => ({ peer: c.peer, encoding: c.encoding, updates: c.stats.updates, copyRects: c.stats.copyRects }));
  }

  add(connection: RfbConnection): void {
    this.connections.add(connection);
    connection.onClose = () => this.remove(connection);
    if (!this.timer) {
      this.timer = setInterval(() => this.poll(), POLL_MS);
      this.timer.unref();
    }
  }

  private remove(connection: RfbConnection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Takes what changed from the frame and offers it to every client. */
  poll(): void {
    const frame = this.display.frame;
    const generation = frame.generation;
    if (generation !== this.generation) {
      this.generation = generation;
      const sizeGeneration = frame.sizeGeneration;
      const dirty = frame.takeDirty();
      if (sizeGeneration !== this.sizeGeneration) {
        this.sizeGeneration = sizeGeneration;
        // Each connection compares sizes itself (one that came after the change already has
        // the new size), then takes the dirt if it is for the size it now has.
        for (const c of this.connections) c.resized();
      }
      for (const c of this.connections) c.addDirty(dirty);
    }
    for (const c of this.connections) c.pump();
  }

  /** Ends every client (the VM went away). */
  closeAll(): void {
    for (const c of [...this.connections]) c.end();
  }
}

export function hubFor(display: ConsoleDisplay): DisplayHub {
  let hub = hubs.get(display.frame);
  if (!hub) {
    hub = new DisplayHub(display);
    hubs.set(display.frame, hub);
  }
  return hub;
}
