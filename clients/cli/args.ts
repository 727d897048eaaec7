import { resolve } from 'node:path';
import { Command as Program, CommanderError } from 'commander';
import {
  CacheVerifySampleRange,
  choiceProblem,
  DebounceRange,
  DEFAULT_FUNCTION_TIME_MS,
  FunctionTimeRange,
  Objectives,
  OptionDefaults,
  OptionRanges,
  rangeProblem,
  SearchStrategies,
  Topologies,
  UNVERIFIED_GENERATIONS,
  VerifyModes,
  VerifyTimeoutRange,
  type IntegerRange,
  type OptimizeOptions,
  type WatchStartParams,
} from '../../src/protocol/index.js';
import { UsageError } from './exit-codes.js';

/** Options every command that talks to a daemon accepts. */
export interface DaemonChoice {
  socket?: string;
  cacheDir?: string;
  noDaemon: boolean;
}

export interface OutputChoice {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

export type Command =
  | {
      name: 'optimize';
      input: string;
      output: string;
      inPlace: boolean;
      createDirectories: boolean;
      /** Where to write the output's certificate (--proof). */
      proof?: string;
      options: OptimizeOptions;
      daemon: DaemonChoice;
      out: OutputChoice;
    }
  | { name: 'watch'; watch: WatchStartParams; keepAlive: boolean; daemon: DaemonChoice; out: OutputChoice }
  | { name: 'verify'; base: string; candidate: string; proof?: string; timeoutMs?: number; functionTimeMs?: number; features?: string[]; daemon: DaemonChoice; out: OutputChoice }
  | { name: 'daemon'; action: 'run' | 'start' | 'stop' | 'status'; stdio: boolean; daemon: DaemonChoice; out: OutputChoice }
  | { name: 'cache'; action: 'stats' | 'clear' | 'verify'; sample?: number; daemon: DaemonChoice; out: OutputChoice }
  /** --help of atoll or of a command: the text is printed on stdout, exit 0. */
  | { name: 'help'; text: string }
  | { name: 'version' };

type Values = Record<string, string | boolean | undefined>;

function integer(flag: string, text: unknown, range: IntegerRange): number | undefined {
  if (text === undefined) return undefined;
  const problem = rangeProblem(flag, String(text), range);
  if (problem) throw new UsageError(problem);
  return Number(text);
}

function choice<T extends string>(flag: string, text: unknown, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  const problem = choiceProblem(flag, text, allowed);
  if (problem) throw new UsageError(problem);
  return text as T;
}

function list(text: unknown): string[] | undefined {
  return typeof text === 'string' ? text.split(',').map((item) => item.trim()).filter(Boolean) : undefined;
}

/** Drops the keys whose value is undefined, so only what the user gave travels to the daemon. */
function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

function common(program: Program, extra: { json?: boolean; verbose?: boolean } = {}): Program {
  program
    .option('--socket <path>', "the daemon's socket (default: $XDG_RUNTIME_DIR/atoll/daemon.sock, else <cache dir>/run/daemon.sock)")
    .option('--cache-dir <dir>', 'cache directory (default: $ATOLL_CACHE_DIR, $XDG_CACHE_HOME/atoll, ~/.cache/atoll)')
    .option('--no-daemon', 'run a private daemon for this command only (over stdio, stopped afterwards)');
  if (extra.json !== false) program.option('--json', 'print the full result as JSON on stdout (errors too, as {"error": …})');
  program.option('-q, --quiet', 'no progress and no summary; errors only');
  if (extra.verbose) program.option('-v, --verbose', 'list everything (every finding, every function, the whole genome)');
  return program;
}

function choices(values: Values): { daemon: DaemonChoice; out: OutputChoice } {
  return {
    daemon: defined({
      socket: typeof values['socket'] === 'string' ? resolve(values['socket']) : undefined,
      cacheDir: typeof values['cacheDir'] === 'string' ? resolve(values['cacheDir']) : undefined,
      // commander's --no-daemon sets `daemon` to false.
      noDaemon: values['daemon'] === false,
    }),
    out: { json: values['json'] === true, quiet: values['quiet'] === true, verbose: values['verbose'] === true },
  };
}

/** The optimize options, shared by optimize and watch. */
function optimizeFlags(program: Program): Program {
  const range = (r: IntegerRange) => `${r.min}..${r.max}`;
  return program
    .option('--islands <n>', `islands, ${range(OptionRanges.islands)} (default: cores, at most 8)`)
    .option('--generations <n>', `generations after generation 0, ${range(OptionRanges.generations)} (default ${OptionDefaults.generations}; ${UNVERIFIED_GENERATIONS} with --verify off)`)
    .option('--seed <n>', `same input, options and seed give the same output bytes (default ${OptionDefaults.seed})`)
    .option('--objective <name>', `what to minimize: ${Objectives.join(', ')} (default ${OptionDefaults.objective})`)
    .option('--topology <name>', `where islands send their best module: ${Topologies.join(', ')} (default ${OptionDefaults.topology})`)
    .option('--strategy <name>', `how islands search after generation 0: ${SearchStrategies.join(', ')} (default ${OptionDefaults.strategy})`)
    .option('--multi-start', 'the same islands without migration')
    .option('--verify <mode>', `${VerifyModes.join(', ')}: only proved changes; keep all and say what was proved; no checks (default ${OptionDefaults.verify})`)
    .option('--time-budget <ms>', 'stop the search after MS; in strict mode a proof ends between two passes (breaks determinism)')
    .option('--features <a,b>', 'WebAssembly features (default: detected)')
    .option('--keep-names', 'keep the name section');
}

function optimizeOptions(values: Values): OptimizeOptions {
  return defined({
    islands: integer('--islands', values['islands'], OptionRanges.islands),
    generations: integer('--generations', values['generations'], OptionRanges.generations),
    seed: integer('--seed', values['seed'], OptionRanges.seed),
    objective: choice('--objective', values['objective'], Objectives),
    topology: choice('--topology', values['topology'], Topologies),
    strategy: choice('--strategy', values['strategy'], SearchStrategies),
    multiStart: values['multiStart'] as boolean | undefined,
    verify: choice('--verify', values['verify'], VerifyModes),
    timeBudgetMs: integer('--time-budget', values['timeBudget'], OptionRanges.timeBudgetMs),
    features: list(values['features']),
    keepNames: values['keepNames'] as boolean | undefined,
  });
}

const EXIT_CODES = `
Exit codes: 0 ok, 1 error, 2 bad usage, 3 verify: a change was refuted, 4 verify: incomplete (some function
unknown), 5 verify: the modules differ at module level, 130 cancelled (Ctrl-C).`;

/**
 * The command line, with commander: it writes each command's --help from the declarations below, suggests
 * the flag a typo meant, and takes "-3" as the value of a flag that needs one (node's parseArgs called that
 * "ambiguous"). The values are checked here, with the protocol's ranges and wording.
 */
function program(onCommand: (command: Command) => void): Program {
  const atoll = new Program('atoll')
    .description('Optimizes WebAssembly with an archipelago of binaryen pipelines and keeps only the changes it proves with Z3.')
    .option('-V, --version', 'the versions of atoll, binaryen and z3')
    .addHelpText('after', `\nThe CLI talks to a daemon on its socket and starts one in the background when none answers.\n${EXIT_CODES}`)
    .action((values: Values) => {
      if (values['version']) onCommand({ name: 'version' });
      else throw new UsageError('no command given');
    });
  atoll.configureHelp({ sortSubcommands: false, helpWidth: 110 });

  const optimize = atoll
    .command('optimize')
    .description('optimize one module; prints what was kept, what was left out and why')
    .argument('<in>', 'the module to optimize')
    .option('-o, --output <out>', 'where to write the output (a regular file or a new name)')
    .option('--in-place', 'write the output over the input (only once the job succeeded)')
    .option('--create-dirs', "create the output's missing folders")
    .option('--proof <file>', "write the output's certificate there: its chain of proved steps, which verify --proof re-checks (strict mode)");
  optimizeFlags(common(optimize, { verbose: true })).action((input: string, values: Values) => {
    const inputPath = resolve(input);
    const inPlace = values['inPlace'] === true;
    const given = typeof values['output'] === 'string' ? resolve(values['output']) : undefined;
    if (given === undefined && !inPlace) throw new UsageError('optimize needs -o OUT (or --in-place to replace the input)');
    if (given === inputPath && !inPlace) throw new UsageError(`-o ${values['output']} is the input itself; give --in-place to replace it`);
    if (given !== undefined && given !== inputPath && inPlace) throw new UsageError('--in-place writes over the input; it does not combine with another -o');
    onCommand({
      name: 'optimize',
      input: inputPath,
      output: given ?? inputPath,
      inPlace,
      createDirectories: values['createDirs'] === true,
      ...(typeof values['proof'] === 'string' ? { proof: resolve(values['proof']) } : {}),
      options: optimizeOptions(values),
      ...choices(values),
    });
  });

  const watch = atoll
    .command('watch')
    .description('re-optimize each .wasm under PATH when it changes; one line per rebuild; stops on Ctrl-C or end of input')
    .argument('<path...>', '.wasm files or folders (watched recursively)')
    .option('--out-dir <dir>', 'outputs go here under the same relative paths (default: beside each input as name.opt.wasm)')
    .option('--suffix <suffix>', 'output name suffix replacing .wasm (default .opt.wasm beside the input, .wasm in --out-dir)')
    .option('--poll', 'poll the file system (network and container mounts)')
    .option('--ignore <a,b>', 'names or absolute paths never watched (default node_modules,.git)')
    .option('--debounce <ms>', `quiet time before a rebuild, ${DebounceRange.min}..${DebounceRange.max} (default 150)`)
    .option('--no-quick', 'no quick rebuild (the previous pipeline replayed) before each full one')
    .option('--keep-alive', 'do not stop when stdin ends');
  optimizeFlags(common(watch)).action((paths: string[], values: Values) => {
    const params: WatchStartParams = defined({
      paths: paths.map((path) => resolve(path)),
      outputDir: typeof values['outDir'] === 'string' ? resolve(values['outDir']) : undefined,
      suffix: values['suffix'] as string | undefined,
      poll: values['poll'] as boolean | undefined,
      ignore: list(values['ignore']),
      debounceMs: integer('--debounce', values['debounce'], DebounceRange),
      // commander sets `quick` to true unless --no-quick: only the opt-out travels.
      quick: values['quick'] === false ? false : undefined,
      options: optimizeOptions(values),
    });
    onCommand({ name: 'watch', watch: params, keepAlive: values['keepAlive'] === true, ...choices(values) });
  });

  const verify = atoll
    .command('verify')
    .description("check any optimizer's output against its input, function by function and at module level")
    .argument('<base>', 'the module before optimization')
    .argument('<candidate>', 'the optimized module')
    .option('--timeout <ms>', `z3's budget per query, ms of its counted work (rlimit: the same verdict on any machine), ${VerifyTimeoutRange.min}..${VerifyTimeoutRange.max} (default 5000; a function's check stops at 4×)`)
    .option('--function-time <ms>', `wall-clock limit of each function's whole check, ${FunctionTimeRange.min}..${FunctionTimeRange.max} (default ${DEFAULT_FUNCTION_TIME_MS}); what is undecided by then is unknown (timeout)`)
    .option('--features <a,b>', 'WebAssembly features to read both with (default: detected)')
    .option('--proof <file>', 're-check this certificate from optimize --proof (replays and proves every step; trusts nothing in it)');
  common(verify, { verbose: true }).action((base: string, candidate: string, values: Values) => {
    onCommand(
      defined({
        name: 'verify' as const,
        base: resolve(base),
        candidate: resolve(candidate),
        proof: typeof values['proof'] === 'string' ? resolve(values['proof']) : undefined,
        timeoutMs: integer('--timeout', values['timeout'], VerifyTimeoutRange),
        functionTimeMs: integer('--function-time', values['functionTime'], FunctionTimeRange),
        features: list(values['features']),
        ...choices(values),
      }),
    );
  });

  const daemon = atoll
    .command('daemon')
    .description('without an action: run a daemon in the foreground; start, stop or status of the background one')
    .argument('[action]', 'start (in the background), stop (returns once it has exited), status (never starts one)')
    .option('--stdio', 'serve JSON-RPC on stdin/stdout (for editors) instead of the socket');
  common(daemon).action((given: string | undefined, values: Values) => {
    const action = choice('the action', given, ['start', 'stop', 'status'] as const);
    if (values['stdio'] && action) throw new UsageError(`--stdio runs a daemon in the foreground; it does not combine with ${action}`);
    onCommand({ name: 'daemon', action: action ?? 'run', stdio: values['stdio'] === true, ...choices(values) });
  });

  const cache = atoll
    .command('cache')
    .description(
      'stats or clear of the result and proof caches (uses a running daemon, never starts one in the background); ' +
        'verify checks a sample of cached proofs again and removes those that do not hold up (exit 1 if any)',
    )
    .argument('<action>', 'stats, clear or verify')
    .option('--sample <n>', `verify: how many cached proofs to check, ${CacheVerifySampleRange.min}..${CacheVerifySampleRange.max} (default 20)`);
  common(cache).action((given: string, values: Values) => {
    const action = choice('the action', given, ['stats', 'clear', 'verify'] as const)!;
    if (values['sample'] !== undefined && action !== 'verify') throw new UsageError('--sample goes with atoll cache verify');
    onCommand(defined({ name: 'cache' as const, action, sample: integer('--sample', values['sample'], CacheVerifySampleRange), ...choices(values) }));
  });
  return atoll;
}

/** The command a command line asks for; a UsageError names the mistake and the command it belongs to. */
export function parseCommand(argv: string[]): Command {
  let parsed: Command | undefined;
  let help = '';
  const atoll = program((command) => (parsed = command));
  // Help on stdout (asked for); commander's own error lines are replaced by ours (see main.ts).
  const configure = (command: Program) => {
    command.exitOverride().configureOutput({ writeOut: (text) => (help += text), writeErr: (text) => (help += text), outputError: () => undefined });
    command.commands.forEach(configure);
  };
  configure(atoll);
  if (argv.length === 0) throw new UsageError('no command given', undefined, atoll.helpInformation());
  // `atoll help [COMMAND]` is `atoll [COMMAND] --help`.
  if (argv[0] === 'help') argv = [...argv.slice(1, 2), '--help'];
  const commandName = atoll.commands.find((command) => command.name() === argv[0])?.name();
  if (commandName === undefined && !argv[0]!.startsWith('-')) throw new UsageError(`unknown command "${argv[0]}"`);
  try {
    atoll.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(error.message, commandName);
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') return { name: 'help', text: help };
    throw new UsageError(error.message.replace(/^error: /, '').replace(/\n/g, ' '), commandName);
  }
  return parsed!;
}
