/**
 * Records real exchanges with a real daemon (over stdio, built output) and writes them into protocol.md
 * between the `examples:start` / `examples:end` markers. Run after `npm run build`:
 *   node dist/src/daemon/record-examples.js protocol.md
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type DataCallback,
  type Message,
  type MessageConnection,
  type MessageReader,
  type MessageWriter,
} from 'vscode-jsonrpc/node';

type Recorded = { direction: '→' | '←'; message: Message };

/** Wraps a reader and a writer so that every message in either direction is kept, in order. */
function tap(reader: MessageReader, writer: MessageWriter, log: Recorded[]): [MessageReader, MessageWriter] {
  const tappedReader: MessageReader = {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    listen: (callback: DataCallback) =>
      reader.listen((message) => {
        log.push({ direction: '←', message });
        callback(message);
      }),
    dispose: () => reader.dispose(),
  };
  const tappedWriter: MessageWriter = {
    onError: writer.onError,
    onClose: writer.onClose,
    write: (message) => {
      log.push({ direction: '→', message });
      return writer.write(message);
    },
    end: () => writer.end(),
    dispose: () => writer.dispose(),
  };
  return [tappedReader, tappedWriter];
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SMALL_WASM = join(root, 'node_modules/@chainsafe/as-sha256/build/optimized.wasm');
const DEMO_WASM = join(root, 'examples/demo.wasm');
const FAST = { islands: 2, generations: 1, verify: 'off' };

interface Example {
  title: string;
  run: (connection: MessageConnection, home: string) => Promise<unknown>;
}

const initialize: Example = {
  title: 'initialize and initialized',
  run: async (connection) => {
    await connection.sendRequest('initialize', {
      processId: 4242,
      clientInfo: { name: 'example-client', version: '1.0.0' },
      capabilities: { window: { workDoneProgress: true } },
    });
    await connection.sendNotification('initialized', {});
  },
};

const examples: Example[] = [
  initialize,
  {
    title: 'atoll/optimize with progress (path in, path out)',
    run: (connection, home) =>
      connection.sendRequest('atoll/optimize', {
        input: { path: SMALL_WASM },
        outputPath: join(home, 'optimized.opt.wasm'),
        options: FAST,
        workDoneToken: 'optimize-1',
      }),
  },
  {
    title: 'atoll/optimize answered from the result cache (base64 in, base64 out)',
    run: async (connection) =>
      connection.sendRequest('atoll/optimize', { input: { base64: (await readFile(SMALL_WASM)).toString('base64') }, options: FAST }),
  },
  {
    title: '$/cancelRequest during atoll/optimize',
    run: async (connection) => {
      const source = new CancellationTokenSource();
      const request = connection.sendRequest('atoll/optimize', { input: { path: SMALL_WASM }, options: { ...FAST, generations: 400, seed: 9 } }, source.token);
      setTimeout(() => source.cancel(), 1500);
      return request.catch(() => undefined);
    },
  },
  {
    title: 'atoll/verify',
    run: (connection) =>
      connection.sendRequest('atoll/verify', { base: { path: SMALL_WASM }, candidate: { path: SMALL_WASM }, timeoutMs: 2000 }).catch(() => undefined),
  },
  {
    title: 'atoll/cache/verify (after a strict run of the bundled example)',
    run: async (connection) => {
      await connection.sendRequest('atoll/optimize', { input: { path: DEMO_WASM }, options: { islands: 2, generations: 1 } });
      return connection.sendRequest('atoll/cache/verify', { sample: 5 });
    },
  },
  { title: 'atoll/status', run: (connection) => connection.sendRequest('atoll/status') },
  { title: 'atoll/cache/stats', run: (connection) => connection.sendRequest('atoll/cache/stats') },
  { title: 'atoll/cache/clear', run: (connection) => connection.sendRequest('atoll/cache/clear', { caches: ['results'] }) },
  {
    title: 'atoll/watch/start, atoll/watchResult and atoll/watch/stop',
    run: async (connection, home) => {
      const folder = join(home, 'watched');
      await mkdir(folder);
      const { watchId } = await connection.sendRequest<{ watchId: string }>('atoll/watch/start', { paths: [folder], options: FAST, debounceMs: 100 });
      const built = new Promise<void>((resolve) => {
        const subscription: { dispose(): void } = connection.onNotification('atoll/watchResult', () => {
          subscription.dispose();
          resolve();
        });
      });
      await copyFile(SMALL_WASM, join(folder, 'sha256.wasm'));
      await built;
      await connection.sendRequest('atoll/watch/stop', { watchId });
    },
  },
  {
    title: 'errors: bad params, not wasm, missing file',
    run: async (connection) => {
      await connection.sendRequest('atoll/optimize', { input: { path: 'relative.wasm' } }).catch(() => undefined);
      await connection.sendRequest('atoll/optimize', { input: { base64: Buffer.from('hello').toString('base64') } }).catch(() => undefined);
      await connection.sendRequest('atoll/optimize', { input: { path: '/no/such.wasm' } }).catch(() => undefined);
    },
  },
  {
    title: 'shutdown and exit',
    run: async (connection) => {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    },
  },
];

/** A second daemon, because stopping it ends the recording. */
const stopExamples: Example[] = [
  { ...initialize, title: 'initialize (a second daemon)' },
  { title: 'atoll/daemon/stop', run: (connection) => connection.sendRequest('atoll/daemon/stop') },
];

function render(log: Recorded[]): string {
  return log.map(({ direction, message }) => `${direction} ${JSON.stringify(message)}`).join('\n');
}

async function record(examples: Example[]): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'atoll-examples-'));
  const daemon = spawn(process.execPath, [join(root, 'dist/src/daemon/main.js'), '--stdio', '--island-threads', '2'], {
    env: { ...process.env, ATOLL_CACHE_DIR: join(home, 'cache') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => daemon.once('exit', resolve));
  let log: Recorded[] = [];
  const sink: Recorded[] = [];
  const [reader, writer] = tap(new StreamMessageReader(daemon.stdout), new StreamMessageWriter(daemon.stdin), sink);
  const connection = createMessageConnection(reader, writer);
  // Watch rebuilds ask for a progress token of their own.
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.listen();
  const sections: string[] = [];
  for (const example of examples) {
    await example.run(connection, home);
    // Let trailing notifications (progress end, log lines) arrive before the section is cut.
    await new Promise((resolve) => setTimeout(resolve, 200));
    log = sink.splice(0);
    sections.push(`### ${example.title}\n\n\`\`\`\n${render(log)}\n\`\`\``);
  }
  await exited;
  await rm(home, { recursive: true, force: true });
  return sections.join('\n\n');
}

const target = process.argv[2];
if (!target) throw new Error('usage: node dist/src/daemon/record-examples.js protocol.md');
const document = await readFile(target, 'utf8');
const start = '<!-- examples:start -->';
const end = '<!-- examples:end -->';
const before = document.slice(0, document.indexOf(start) + start.length);
const after = document.slice(document.indexOf(end));
if (!document.includes(start) || !document.includes(end)) throw new Error(`${target} has no ${start} … ${end} markers`);
await writeFile(target, `${before}\n\n${await record(examples)}\n\n${await record(stopExamples)}\n\n${after}`);
