/**
 * How a module travels in a request: a path the daemon reads, or the bytes themselves. Paths must be absolute:
 * the daemon's working directory is not the client's.
 */
export type ModuleSource = { path: string } | { base64: string };

