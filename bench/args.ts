import { SearchStrategies, type SearchStrategy } from '../src/protocol/options.js';

export interface BenchArgs {
  /** Only these modules (by host name); undefined: the default corpus. */
  modules: string[] | undefined;
  /** Include the large modules (sql.js, brotli, the C builds). */
  large: boolean;
  /** atoll's generations; undefined: the engine's default. */
  generations: number | undefined;
  /** atoll's search strategy; undefined: the engine's default. */
  strategy: SearchStrategy | undefined;
  /** Skip the strict run (its columns say so): for search figures while proving is elsewhere. */
  noStrict: boolean;
  outDir: string;
  /** Run atoll in a daemon (as users do) rather than in this process. */
  daemon: boolean;
}

const USAGE = `usage: npm run bench -- [--modules a,b] [--large] [--generations N] [--strategy refine|pipeline|mixed] [--no-strict] [--out DIR] [--daemon]`;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    modules: undefined,
    large: false,
    generations: undefined,
    strategy: undefined,
    noStrict: false,
    outDir: 'bench/out',
    daemon: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    if (flag === '--modules') args.modules = value().split(',').filter(Boolean);
    else if (flag === '--large') args.large = true;
    else if (flag === '--daemon') args.daemon = true;
    else if (flag === '--generations') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`--generations must be a non-negative integer\n${USAGE}`);
      args.generations = n;
    } else if (flag === '--strategy') {
      const strategy = value();
      if (!SearchStrategies.includes(strategy as SearchStrategy)) throw new Error(`--strategy must be one of ${SearchStrategies.join(', ')}\n${USAGE}`);
      args.strategy = strategy as SearchStrategy;
    } else if (flag === '--no-strict') args.noStrict = true;
    else if (flag === '--out') args.outDir = value();
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return args;
}
