import type { Topology } from '../protocol/report.js';

/**
 * Where island `from` sends its best after each generation (pagmo's topologies, unweighted): a directed
 * ring (i → i+1), everyone to everyone, or nobody.
 */
export function neighbours(topology: Topology, from: number, islands: number): number[] {
  switch (topology) {
    case 'unconnected':
      return [];
    case 'ring':
      return islands > 1 ? [(from + 1) % islands] : [];
    case 'fully-connected':
      return Array.from({ length: islands }, (_, i) => i).filter((i) => i !== from);
  }
}
