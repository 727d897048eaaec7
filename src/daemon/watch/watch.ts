import { access, stat } from 'node:fs/promises';
import { AtollError, ErrorCodes } from '../../protocol/errors.js';
import { MessageType } from '../../protocol/progress.js';
import { rangeProblem } from '../../protocol/options.js';
import { DebounceRange, WatchResultNotification, type WatchResultParams, type WatchStartParams } from '../../protocol/watch.js';
import type { Daemon } from '../daemon.js';
import type { Session } from '../session.js';
import { FileWatcher } from './file-watcher.js';
import { OutputPlan, type OwnOutputs } from './outputs.js';
import { Rebuilder, type Rebuilt } from './rebuild.js';
import type { QuickRebuild } from '../../engine/engine.js';
import { Settler, type Settled } from './settle.js';

export const DEFAULT_DEBOUNCE_MS = 150;
/** At least this long for a half-written module to be completed before it is reported as broken. */
const MIN_INCOMPLETE_GRACE_MS = 1000;

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Each path must exist; a file must be a .wasm file. Answered before anything is watched. */
async function checkPaths(paths: string[]): Promise<void> {
  if (paths.length === 0) throw new AtollError(ErrorCodes.InvalidParams, 'params.paths must name at least one file or folder');
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new AtollError(ErrorCodes.FileNotFound, `cannot watch ${path}: no such file or folder`, { path });
    if (info.isFile() && !path.endsWith('.wasm')) throw new AtollError(ErrorCodes.InvalidParams, `cannot watch ${path}: not a .wasm file`);
  }
}

/**
 * One watch of one client: file events → settle (debounce, stability, validity) → rebuild on the job queue
 * → one `atoll/watchResult` to that client per rebuild, and one per deleted input.
 */
export class Watch {
  private readonly settler: Settler;
  private readonly rebuilder: Rebuilder;
  private readonly watcher: FileWatcher;
  /** Per input, the content of its last successful (final) build. */
  private readonly lastBuilt = new Map<string, string>();
  /** Per input, how its last output was made: what a quick rebuild patches or replays (only when quick rebuilds are on). */
  private readonly quickFrom = new Map<string, QuickRebuild>();
  /** Per input, the content whose quick output is written and whose final build has not finished. */
  private readonly quickBuilt = new Map<string, string>();
  /** Per input, what stops its running final build (the input changed again). */
  private readonly finals = new Map<string, AbortController>();
  private readonly quick: boolean;

  private constructor(
    readonly id: string,
    readonly session: Session,
    params: WatchStartParams,
    daemon: Daemon,
    own: OwnOutputs,
  ) {
    const plan = new OutputPlan({
      roots: params.paths,
      ...(params.outputDir === undefined ? {} : { outputDir: params.outputDir }),
      ...(params.suffix === undefined ? {} : { suffix: params.suffix }),
      ...(params.ignore === undefined ? {} : { ignore: params.ignore }),
    });
    const debounceMs = params.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    const problem = rangeProblem('debounceMs', debounceMs, DebounceRange);
    if (problem) throw new AtollError(ErrorCodes.BadOption, problem);
    this.quick = params.quick ?? true;
    this.rebuilder = new Rebuilder(daemon, session, id, params.options ?? {}, plan, own);
    this.settler = new Settler({
      debounceMs,
      incompleteGraceMs: Math.max(MIN_INCOMPLETE_GRACE_MS, 5 * debounceMs),
      initial: params.initial ?? true,
      maxInputBytes: daemon.config.limits.maxInputBytes,
      isOwn: (path, sha256) => own.isOwn(path, sha256),
      isUpToDate: async (path, sha256) => this.lastBuilt.get(path) === sha256 && (await exists(plan.outputFor(path))),
      onSettled: (settled) => this.settled(settled),
      // A final build of content already replaced stops between its evaluations (the workers stay warm), so
      // the next content's quick answer does not wait for it; the quick one it follows stays on disk meanwhile.
      onSuperseded: (path) => this.finals.get(path)?.abort(new Error('the input changed again')),
    });
    this.watcher = new FileWatcher({
      paths: params.paths,
      poll: params.poll ?? false,
      isExcluded: (path) => plan.isExcluded(path),
      isInput: (path) => plan.isInput(path),
      onEvent: (event, path) => this.settler.event(event, path),
      onError: (error) => session.logToClient(MessageType.Warning, `watch ${id}: ${error.message}`),
    });
  }

  /** Starts watching; resolves with the inputs found once the initial scan is done. */
  static async start(
    id: string,
    session: Session,
    params: WatchStartParams,
    daemon: Daemon,
    own: OwnOutputs,
  ): Promise<{ watch: Watch; inputs: string[] }> {
    await checkPaths(params.paths);
    const watch = new Watch(id, session, params, daemon, own);
    return { watch, inputs: await watch.watcher.ready };
  }

  async stop(): Promise<void> {
    this.settler.stop();
    this.rebuilder.stop();
    await this.watcher.close();
  }

  private async settled(settled: Settled): Promise<void> {
    switch (settled.kind) {
      case 'unlink':
        this.forget(settled.path);
        return this.notify({ path: settled.path, cause: 'unlink', stage: 'final', ms: 0 });
      case 'unreadable':
        return this.notify({ path: settled.path, cause: settled.cause, stage: 'final', ms: 0, error: { code: ErrorCodes.FileNotFound, message: `cannot read ${settled.path}: ${settled.message}` } });
      case 'content':
        return this.rebuild(settled);
    }
  }

  /**
   * A quick rebuild first when the input was built before (its output is written and notified at once), then
   * the final one. A quick rebuild that fails is only logged: the final build says what is wrong.
   */
  private async rebuild({ path, cause, bytes, sha256 }: Extract<Settled, { kind: 'content' }>): Promise<void> {
    const started = performance.now();
    const from = this.quickFrom.get(path);
    if (from && this.quickBuilt.get(path) !== sha256) {
      const quick = await this.rebuilder.build(path, cause, bytes, started, { quick: from });
      if (!quick) return;
      if (quick.result.error) {
        this.session.log(`watch ${path}: quick rebuild failed (${quick.result.error.message}); the full rebuild follows`);
      } else if (quick.result.stage === 'final') {
        // The result cache held the answer for this content: it is the final one.
        return this.built(path, sha256, quick);
      } else {
        this.quickBuilt.set(path, sha256);
        this.notify(quick.result);
      }
    }
    // Only a final build that follows a quick one may stop early: otherwise there is no newer output on disk.
    const stop = this.quickBuilt.get(path) === sha256 ? new AbortController() : undefined;
    if (stop) this.finals.set(path, stop);
    try {
      const final = await this.rebuilder.build(path, cause, bytes, started, stop ? { stop: stop.signal } : {});
      if (final) this.built(path, sha256, final);
    } finally {
      if (stop) this.finals.delete(path);
    }
  }

  private built(path: string, sha256: string, { result, lineage, incremental }: Rebuilt): void {
    this.quickBuilt.delete(path);
    if (result.error) {
      this.lastBuilt.delete(path);
    } else {
      this.lastBuilt.set(path, sha256);
      // A quick rebuild replays only the pipeline the lineage starts with: its steps were proved in this build,
      // so all but the changed functions' come from the proof cache. The whole lineage (refinements after it)
      // made rabin's quick rebuilds ~500 ms, nearly as long as the full rebuild; its first pipeline, ~200 ms.
      // An incremental rebuild patches this output instead when the edit allows (Engine.incremental).
      const first = lineage?.find((step) => step.kind !== 'assembly');
      if (first && this.quick) {
        // The first output of an input in this watch is where its first edit's incremental rebuild starts.
        if (incremental && !this.quickFrom.has(path)) this.rebuilder.rehearse(path, incremental);
        this.quickFrom.set(path, { lineage: [first], ...(incremental ? { incremental } : {}) });
      }
    }
    this.notify(result);
  }

  private forget(path: string): void {
    this.lastBuilt.delete(path);
    this.quickFrom.delete(path);
    this.quickBuilt.delete(path);
  }

  private notify(result: Omit<WatchResultParams, 'watchId'>): void {
    // A client that hung up cannot be told; its watches are being stopped.
    this.session.connection.sendNotification(WatchResultNotification.type, { watchId: this.id, ...result }).catch(() => undefined);
  }
}
