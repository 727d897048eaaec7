/** The atoll protocol: the only part of src/ that clients import. */
export * from './cache.js';
export * from './errors.js';
export * from './lifecycle.js';
export * from './location.js';
export * from './messages.js';
export * from './methods.js';
export * from './module-source.js';
export * from './optimize.js';
export * from './options.js';
export * from './progress.js';
export * from './report.js';
export * from './status.js';
export * from './verify.js';
export * from './versions.js';
export * from './watch.js';
