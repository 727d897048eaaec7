import { describeDifferential } from '../hosts/differential.js';
import { hosts } from '../hosts/index.js';

const medium = hosts.filter((h) => h.sizeClass === 'medium');
const strictInTime = new Set(['tree-sitter-runtime', 'tree-sitter-javascript']);

// Strict verification of gofmt and oniguruma takes over two minutes each on this 2-core machine, so those
// two are checked on the unverified search result here (the bench runs them with default settings).
describeDifferential(
  'differential: medium real modules, verified',
  medium.filter((h) => strictInTime.has(h.name)),
  { verify: 'strict', timeoutMs: 180_000 },
);
describeDifferential(
  'differential: medium real modules, unverified',
  medium.filter((h) => !strictInTime.has(h.name)),
  { verify: 'off' },
);
