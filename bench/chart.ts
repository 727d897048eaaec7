import type { ModuleResult } from './measure.js';

const WIDTH = 900;
const HEIGHT = 520;
const MARGIN = { left: 70, right: 230, top: 40, bottom: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Series {
  name: string;
  color: string;
  /** atoll's best size after each generation, as (seconds, bytes ÷ -Oz bytes). */
  curve: Array<[number, number]>;
  oz: [number, number];
}

/**
 * Bytes against time, one line per module: atoll's best module after each generation (from the report's
 * history), next to binaryen.js -Oz's single point at height 1. Time is logarithmic: modules differ by 100×.
 */
export function renderChart(modules: ModuleResult[]): string {
  const series: Series[] = modules.flatMap((m, index) => {
    if (!('ok' in m.atoll) || !('ok' in m.binaryenOz)) return [];
    const oz = m.binaryenOz.ok;
    return [
      {
        name: m.name,
        color: COLORS[index % COLORS.length]!,
        curve: m.atoll.ok.curve.map((p): [number, number] => [p.ms / 1000, p.bytes / oz.bytes]),
        oz: [oz.ms / 1000, 1],
      },
    ];
  });
  const points = series.flatMap((s) => [...s.curve, s.oz]);
  if (points.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="80"><text x="10" y="40">no atoll results to chart (engine not available or every run failed)</text></svg>\n`;
  }
  const times = points.map(([t]) => Math.max(t, 0.01));
  const ratios = points.map(([, r]) => r);
  const xMin = Math.floor(Math.log10(Math.min(...times)));
  const xMax = Math.ceil(Math.log10(Math.max(...times)));
  const yMin = Math.min(...ratios, 0.98);
  const yMax = Math.max(...ratios, 1.02);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t: number) => MARGIN.left + ((Math.log10(Math.max(t, 0.01)) - xMin) / Math.max(xMax - xMin, 1)) * plotWidth;
  const y = (r: number) => MARGIN.top + ((yMax - r) / (yMax - yMin)) * plotHeight;

  const parts: string[] = [];
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`);
  for (let e = xMin; e <= xMax; e++) {
    const px = x(10 ** e).toFixed(1);
    parts.push(`<line x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${px}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle" font-size="12">${10 ** e} s</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const r = yMin + ((yMax - yMin) * i) / 5;
    const py = y(r).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${py}" y2="${py}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle" font-size="12">${r.toFixed(3)}</text>`);
  }
  const oneY = y(1).toFixed(1);
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${oneY}" y2="${oneY}" stroke="#999" stroke-dasharray="4 3"/>`);
  series.forEach((s, index) => {
    const path = s.curve.map(([t, r]) => `${x(t).toFixed(1)},${y(r).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const [t, r] of s.curve) {
      parts.push(`<circle cx="${x(t).toFixed(1)}" cy="${y(r).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const [ozX, ozY] = [x(s.oz[0]), y(s.oz[1])];
    parts.push(
      `<path d="M${(ozX - 5).toFixed(1)},${(ozY - 5).toFixed(1)} l10,10 m0,-10 l-10,10" stroke="${s.color}" stroke-width="2"/>`,
    );
    const legendY = MARGIN.top + 10 + index * 18;
    parts.push(`<line x1="${WIDTH - MARGIN.right + 15}" x2="${WIDTH - MARGIN.right + 35}" y1="${legendY}" y2="${legendY}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${WIDTH - MARGIN.right + 40}" y="${legendY}" dominant-baseline="middle" font-size="12">${escape(s.name)}</text>`);
  });
  parts.push(`<text x="${MARGIN.left}" y="22" font-size="14">bytes ÷ binaryen.js -Oz bytes against time: atoll's best after each generation (dots), -Oz (crosses)</text>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle" font-size="12">wall-clock time (log scale)</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}
