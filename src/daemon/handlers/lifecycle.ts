import type { InitializeResult } from '../../protocol/lifecycle.js';
import type { RequestContext } from '../session.js';

export async function initialize({ daemon, session }: RequestContext): Promise<InitializeResult> {
  session.state = 'initialized';
  return daemon.serverInfo(session.transport);
}

export async function shutdown({ session }: RequestContext): Promise<null> {
  session.state = 'shutdown';
  return null;
}

export async function stopDaemon({ daemon, session }: RequestContext): Promise<null> {
  // After this handler returns, so that the reply is written before the connections close.
  setTimeout(() => void daemon.stop(`atoll/daemon/stop from ${session.label}`), 0);
  return null;
}
