/**
 * The fixture the Session tests share: a session on a fresh scripted server, and the server's
 * side of its connection. Kept apart from scripted-server.ts, which also runs outside vitest.
 */
import { Session } from '../../source/vici/index.js';
import { type ScriptedConnection, ScriptedServer } from './scripted-server.js';

export interface ScriptedSession {
  server: ScriptedServer;
  session: Session;
  conn: ScriptedConnection;
}

/** For a beforeEach: a new server, a session connected to it, and its connection. */
export async function openScriptedSession(): Promise<ScriptedSession> {
  const server = await ScriptedServer.start();
  const session = await Session.connect({ uri: server.uri });
  const conn = await server.connection();
  return { server, session, conn };
}

/** For the afterEach that matches it. */
export async function closeScriptedSession(t: ScriptedSession): Promise<void> {
  await t.session.close();
  await t.server.close();
}

/** One IKE_SA as a list-sa event carries it: its name over its id and state. */
export const ikeSa = (name: string, id: string) => ({
  [name]: { uniqueid: id, state: 'ESTABLISHED', 'child-sas': {} },
});
