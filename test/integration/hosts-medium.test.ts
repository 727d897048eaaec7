import { describeDifferential } from '../hosts/differential.js';
import { hosts } from '../hosts/index.js';

describeDifferential(
  'differential: medium real modules',
  hosts.filter((h) => h.sizeClass === 'medium' && !h.unavailable?.()),
);
