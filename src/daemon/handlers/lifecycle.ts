import type { DaemonStopRequest, InitializeParams, InitializeRequest, ShutdownRequest } from '../../protocol/lifecycle.js';
import type { RequestHandler } from './handler.js';
import { invalidParams } from '../response-error.js';
import { boolean, defined, noParams, optional, record, string, type Check } from './validate.js';

const clientInfo: Check<NonNullable<InitializeParams['clientInfo']>> = (value, where) => {
  const fields = record(value, where);
  return defined({ name: string(fields['name'], `${where}.name`), version: optional(fields, 'version', string, where) });
};

/** LSP clients send many capabilities; only the ones atoll uses are read, the rest is ignored. */
const capabilities: Check<NonNullable<InitializeParams['capabilities']>> = (value, where) => {
  const window = optional(record(value, where), 'window', record, where);
  const workDoneProgress = window && optional(window, 'workDoneProgress', boolean, `${where}.window`);
  return workDoneProgress === undefined ? {} : { window: { workDoneProgress } };
};

export const initialize: RequestHandler<typeof InitializeRequest> = {
  validate: (raw) => {
    // LSP clients send fields atoll has no use for (rootUri, trace, …): they are ignored, not refused.
    const fields = raw === undefined || raw === null ? {} : record(raw, 'params');
    const processId = fields['processId'];
    if (processId !== undefined && processId !== null && !Number.isInteger(processId)) throw invalidParams('params.processId must be an integer or null');
    return defined({
      processId: processId as number | null | undefined,
      clientInfo: optional(fields, 'clientInfo', clientInfo),
      capabilities: optional(fields, 'capabilities', capabilities),
    });
  },
  handle: async ({ daemon, session }, params) => {
    session.state = 'initialized';
    session.clientCapabilities = params.capabilities ?? {};
    return daemon.serverInfo(session.transport);
  },
};

export const shutdown: RequestHandler<typeof ShutdownRequest> = {
  validate: noParams,
  handle: async ({ session }) => {
    session.state = 'shutdown';
    return null;
  },
};

export const stopDaemon: RequestHandler<typeof DaemonStopRequest> = {
  validate: noParams,
  handle: async ({ daemon, session }) => {
    // After this handler returns, so that the reply is written before the connections close.
    setTimeout(() => void daemon.stop(`atoll/daemon/stop from ${session.label}`), 0);
    return null;
  },
};
