import type { AtollMeasured, Measured, ModuleResult, Outcome } from './measure.js';
import { renderPassSteps } from './pass-steps.js';

export interface BenchRun {
  date: string;
  machine: { cpus: number; node: string; platform: string };
  nativeWasmOpt: string | undefined;
  engine: string;
  generations: number | 'default';
  strategy: string;
  modules: ModuleResult[];
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const ratio = (value: number, base: number) => (value / base).toFixed(4);

function geomean(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

/** Ratios of one column to binaryen.js -Oz over the modules where both succeeded. */
function ratiosToOz(modules: ModuleResult[], pick: (m: ModuleResult) => Outcome<Measured>, field: 'bytes' | 'ms' | 'codeBytes') {
  return modules.flatMap((m) => {
    const value = pick(m);
    return 'ok' in value && 'ok' in m.binaryenOz && m.binaryenOz.ok[field] > 0 ? [value.ok[field] / m.binaryenOz.ok[field]] : [];
  });
}

function cell(outcome: Outcome<Measured>, render: (m: Measured) => string): string {
  return 'ok' in outcome ? render(outcome.ok) : 'error' in outcome ? `— (${outcome.error.replace(/\|/g, '/')})` : '—';
}

function verification(m: ModuleResult): string {
  if (!('ok' in m.atoll)) return '—';
  const { verify, verifiedStatus, verifyMs, proofTaxBytes, ms, steps, stepsProved, verifyPair } = m.atoll.ok;
  if (steps === undefined || stepsProved === undefined || verifyMs === undefined) return `${verify} (${verifiedStatus})`;
  const tax = proofTaxBytes === undefined ? '' : `, proof tax ${proofTaxBytes} B`;
  const pair = verifyPair ? `; atoll verify IN OUT: exit ${verifyPair.exit} in ${seconds(verifyPair.ms)} s` : '';
  return `${verifiedStatus}, ${stepsProved} of ${steps} steps proved (${((100 * stepsProved) / Math.max(1, steps)).toFixed(1)} %)${tax}, ` +
    `z3 busy ${seconds(verifyMs)} s (${((100 * verifyMs) / ms).toFixed(0)} % of the time)${pair}`;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};

function hostCheck(m: ModuleResult): string {
  const parts = [
    `atoll ${m.differential.atoll ?? '—'}`,
    `search ${m.differential.search ?? '—'}`,
    `multi-start ${m.differential.multiStart ?? '—'}`,
  ];
  return parts.join(', ').replace(/\|/g, '/');
}

/** A markdown table: the header, its rule, and the rows. */
function table(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)];
}

/** The smallest alternative that succeeded, or undefined when none did. */
export function bestAlternative(m: ModuleResult): { name: string; result: Measured } | undefined {
  let top: { name: string; result: Measured } | undefined;
  for (const { name, result } of m.alternatives) {
    if ('ok' in result && (!top || result.ok.bytes < top.result.bytes)) top = { name, result: result.ok };
  }
  return top;
}

/**
 * What a user would run instead of atoll, per module: binaryen.js on each alternative, the best of them,
 * and atoll's search (verification off), strict run and multi-start as ratios to that best.
 */
function renderAlternatives(run: BenchRun): string[] {
  const names = run.modules[0]?.alternatives.map((a) => a.name) ?? [];
  const toBest = (m: ModuleResult, outcome: Outcome<Measured>) => {
    const top = bestAlternative(m);
    return 'ok' in outcome && top ? outcome.ok.bytes / top.result.bytes : undefined;
  };
  const fixed = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(4));
  const rows = run.modules.map((m) => {
    const top = bestAlternative(m);
    const oz = 'ok' in m.binaryenOz ? m.binaryenOz.ok : undefined;
    return [
      m.name,
      ...m.alternatives.map((a) => cell(a.result, (r) => `${r.bytes} (${seconds(r.ms)} s)`)),
      top ? `${top.result.bytes} (${top.name})` : '—',
      cell(m.atollSearch, (r) => `${r.bytes}`),
      fixed(toBest(m, m.atollSearch)),
      'ok' in m.atollSearch && oz ? `${(m.atollSearch.ok.ms / oz.ms).toFixed(2)}×` : '—',
      cell(m.atoll, (r) => `${r.bytes}`),
      fixed(toBest(m, m.atoll)),
      fixed(toBest(m, m.atollMultiStart)),
    ];
  });
  const mean = (values: Array<number | undefined>) => fixed(geomean(values.filter((v): v is number => v !== undefined)));
  const vsOz = (m: ModuleResult, result: Measured | undefined) =>
    result && 'ok' in m.binaryenOz ? result.bytes / m.binaryenOz.ok.bytes : undefined;
  const modules = run.modules;
  const losses = modules.filter((m) => (toBest(m, m.atollSearch) ?? 0) > 1).map((m) => m.name);
  rows.push([
    '**geomean** (alternatives and best: ÷ -Oz)',
    ...names.map((name) => mean(modules.map((m) => { const a = m.alternatives.find((x) => x.name === name)?.result; return vsOz(m, a && 'ok' in a ? a.ok : undefined); }))),
    mean(modules.map((m) => vsOz(m, bestAlternative(m)?.result))),
    `${mean(ratiosToOz(modules, (m) => m.atollSearch, 'bytes'))} of -Oz`,
    mean(modules.map((m) => toBest(m, m.atollSearch))),
    `${mean(ratiosToOz(modules, (m) => m.atollSearch, 'ms'))}×`,
    `${mean(ratiosToOz(modules, (m) => m.atoll, 'bytes'))} of -Oz`,
    mean(modules.map((m) => toBest(m, m.atoll))),
    mean(modules.map((m) => toBest(m, m.atollMultiStart))),
  ]);
  const header = [
    'module',
    ...names.map((name) => `${name} B (s)`),
    'best alternative B',
    'search B (verify off)',
    'search ÷ best',
    'search time ÷ -Oz time',
    'atoll strict B',
    'strict ÷ best',
    'multi-start ÷ best',
  ];
  return [
    '## Against what a user would run instead',
    '',
    'binaryen.js applying each alternative\'s presets in one process (as `wasm-opt -O4 -Oz -Oz` does), in the same',
    'run; ratios below 1 are smaller than the best alternative. Search (verification off) larger than the best',
    `alternative on: ${losses.length === 0 ? 'no module' : losses.join(', ')}.`,
    '',
    ...table(header, rows),
    '',
  ];
}

export function renderMarkdown(run: BenchRun): string {
  const rows = run.modules.map((m) => {
    const oz = 'ok' in m.binaryenOz ? m.binaryenOz.ok : undefined;
    const vsOz = (outcome: Outcome<Measured>, field: 'bytes' | 'codeBytes') =>
      'ok' in outcome && oz ? ratio(outcome.ok[field], oz[field]) : '—';
    return [
      m.name,
      m.sizeClass,
      `${m.input.bytes} (${m.input.codeBytes})`,
      cell(m.binaryenOz, (r) => `${r.bytes} (${r.codeBytes})`),
      cell(m.binaryenOz, (r) => seconds(r.ms)),
      cell(m.nativeOz, (r) => `${r.bytes} (${r.codeBytes})`),
      cell(m.nativeOz, (r) => seconds(r.ms)),
      cell(m.atoll, (r) => `${r.bytes} (${r.codeBytes})`),
      cell(m.atoll, (r) => seconds(r.ms)),
      'ok' in m.atoll && m.atoll.ok.peakRssMb !== undefined ? String(m.atoll.ok.peakRssMb) : '—',
      `${vsOz(m.atoll, 'bytes')} (${vsOz(m.atoll, 'codeBytes')})`,
      cell(m.atollSearch, (r) => `${r.bytes}`),
      vsOz(m.atollSearch, 'bytes'),
      cell(m.atollMultiStart, (r) => `${r.bytes}`),
      vsOz(m.atollMultiStart, 'bytes'),
      verification(m),
      hostCheck(m),
    ];
  });
  const mean = (values: number[]) => {
    const g = geomean(values);
    return g === undefined ? '—' : g.toFixed(4);
  };
  const modules = run.modules;
  rows.push([
    '**geomean** (ratio to binaryen.js -Oz)',
    '',
    mean(modules.map((m) => ('ok' in m.binaryenOz ? m.input.bytes / m.binaryenOz.ok.bytes : NaN)).filter(Number.isFinite)),
    '1',
    '1',
    mean(ratiosToOz(modules, (m) => m.nativeOz, 'bytes')),
    mean(ratiosToOz(modules, (m) => m.nativeOz, 'ms')),
    `${mean(ratiosToOz(modules, (m) => m.atoll, 'bytes'))} (code ${mean(ratiosToOz(modules, (m) => m.atoll, 'codeBytes'))})`,
    mean(ratiosToOz(modules, (m) => m.atoll, 'ms')),
    '',
    '',
    mean(ratiosToOz(modules, (m) => m.atollSearch, 'bytes')),
    '',
    mean(ratiosToOz(modules, (m) => m.atollMultiStart, 'bytes')),
    '',
    '',
    `${modules.filter((m) => m.differential.atoll === 'pass').length}/${modules.filter((m) => m.differential.atoll).length} atoll pass`,
  ]);
  const header = [
    'module',
    'class',
    'input B (code)',
    'binaryen.js -Oz B (code)',
    '-Oz s',
    'wasm-opt -Oz B (code)',
    'wasm-opt s',
    'atoll B (code)',
    'atoll s',
    'atoll peak RSS MiB',
    'atoll / -Oz (code)',
    'search B (verify off)',
    'search / -Oz',
    'multi-start B (verify off)',
    'multi-start / -Oz',
    'verification',
    'host workload',
  ];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const strict = modules.flatMap((m) => ('ok' in m.atoll && m.atoll.ok.verify === 'strict' ? [[m, m.atoll.ok] as const] : []));
  const timeRatio = median(strict.flatMap(([m, a]) => ('ok' in m.binaryenOz ? [a.ms / m.binaryenOz.ok.ms] : [])));
  const firstRatio = median(strict.flatMap(([m, a]) => ('ok' in m.binaryenOz && a.firstRunMs !== undefined ? [a.firstRunMs / m.binaryenOz.ok.ms] : [])));
  const stepsAll = strict.reduce((n, [, a]) => n + (a.steps ?? 0), 0);
  const provedAll = strict.reduce((n, [, a]) => n + (a.stepsProved ?? 0), 0);
  const above = strict.filter(([m, a]) => 'ok' in m.binaryenOz && a.bytes / m.binaryenOz.ok.bytes > 1.002).map(([m]) => m.name);
  const grew = strict.filter(([m, a]) => a.bytes > m.input.bytes).map(([m]) => m.name);
  const verifiedPairs = strict.filter(([, a]) => a.verifyPair?.exit === 0).length;
  const summary = strict.length === 0 ? [] : [
    '## Strict mode against its targets',
    '',
    `- strict ÷ -Oz geomean ${mean(ratiosToOz(modules, (m) => m.atoll, 'bytes'))} (target ≤ 1.000); above 1.002: ${above.join(', ') || 'none'}; above the input: ${grew.join(', ') || 'none'}`,
    `- (function, pass) steps proved: ${provedAll} of ${stepsAll} (${((100 * provedAll) / Math.max(1, stepsAll)).toFixed(1)} %; target ≥ 97 %)`,
    `- cold strict wall time ÷ one warm -Oz run (same run; cold proof cache; ${firstRatio === undefined ? 'engine warmed by strict jobs on the warm-up module' : "the engine's second run of the module, its first run's proofs forgotten, as -Oz is timed on a warm run"}): median ${timeRatio?.toFixed(1) ?? '—'}× (target ≤ 20×)${firstRatio === undefined ? '' : `; the engine's first runs: median ${firstRatio.toFixed(1)}×`}`,
    `- \`atoll verify IN OUT\` on the strict output exits 0: ${verifiedPairs} of ${strict.length}`,
    '',
    renderPassSteps(strict.map(([m, a]): [string, AtollMeasured] => [m.name, a])),
  ];
  return [
    `# atoll benchmark`,
    '',
    `${run.date}, ${run.machine.cpus} CPUs, node ${run.machine.node}, ${run.machine.platform}. ` +
      `Engine: ${run.engine}; generations: ${run.generations}; strategy: ${run.strategy}. Native wasm-opt: ${run.nativeWasmOpt ?? 'not installed'}.`,
    '',
    'Bytes are whole files, with the code section\'s payload in parentheses; times are wall-clock seconds on this',
    'machine, measured in one run. Ratios below 1 are smaller than binaryen.js -Oz. "atoll" is the default',
    '(strict) run; "search" is the same run with verification off (what the search found before proofs);',
    '"multi-start" is the search without migration. "atoll peak RSS" is the peak resident memory of the process',
    'atoll ran in (with --daemon, the daemon and its worker threads) during the strict run. "host workload" runs the',
    'package\'s real workload on atoll\'s output and compares its transcript with the original module\'s.',
    '',
    ...table(header, rows),
    '',
    ...summary,
    ...renderAlternatives(run),
  ].join('\n');
}
