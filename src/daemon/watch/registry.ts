import type { WatchStartParams, WatchStartResult } from '../../protocol/watch.js';
import type { Daemon } from '../daemon.js';
import type { Session } from '../session.js';
import { OwnOutputs } from './outputs.js';
import { Watch } from './watch.js';

/** The daemon's watches. Each belongs to the session that started it: only it can stop it, and its end stops them. */
export class WatchRegistry {
  private readonly watches = new Map<string, Watch>();
  private nextId = 1;
  /** Shared by all watches, so that no watch takes another's output for an input. */
  private readonly own = new OwnOutputs();

  async start(daemon: Daemon, session: Session, params: WatchStartParams): Promise<WatchStartResult> {
    const id = `w${this.nextId++}`;
    const { watch, inputs } = await Watch.start(id, session, params, daemon, this.own);
    this.watches.set(id, watch);
    session.log(`watch ${id} started: ${params.paths.join(', ')} (${inputs.length} inputs)`);
    return { watchId: id, watching: params.paths, inputs };
  }

  async stop(session: Session, id: string): Promise<boolean> {
    const watch = this.watches.get(id);
    if (!watch || watch.session !== session) return false;
    this.watches.delete(id);
    await watch.stop();
    return true;
  }

  /** Stops the watches of a client that went away. */
  async stopClient(session: Session): Promise<void> {
    await Promise.all([...this.watches.values()].filter((watch) => watch.session === session).map((watch) => this.stop(session, watch.id)));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.watches.values()].map((watch) => this.stop(watch.session, watch.id)));
  }
}
