import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SessionInfo } from '../daemon/events/types.js';
import type { DaemonClient } from './daemon-client.js';

/** What the server knows about the Claude Code session that launched it. */
export interface SessionHints {
  /** CSM_SESSION_ID: set by the daemon for every session it starts; exact. */
  csmSessionId?: string;
  /** Claude Code's own session id, when the launcher passed one (CLAUDE_SESSION_ID / CLAUDE_CODE_SESSION_ID). */
  claudeSessionId?: string;
  /** Claude Code's project folder: CLAUDE_PROJECT_DIR, else our working directory (Claude Code starts us there). */
  cwd: string;
}

export class SessionNotFound extends Error {
  override readonly name = 'SessionNotFound';
}

export function getSessionHints(env: NodeJS.ProcessEnv, cwd: string): SessionHints {
  const pick = (...keys: string[]) => keys.map((k) => env[k]?.trim()).find((v) => v);
  const csmSessionId = pick('CSM_SESSION_ID');
  const claudeSessionId = pick('CLAUDE_SESSION_ID', 'CLAUDE_CODE_SESSION_ID');
  return {
    ...(csmSessionId ? { csmSessionId: csmSessionId.toLowerCase() } : {}),
    ...(claudeSessionId ? { claudeSessionId } : {}),
    cwd: pick('CLAUDE_PROJECT_DIR') ?? cwd,
  };
}

/** The csm session id for the calling session. CSM_SESSION_ID is trusted as is: the API says if it is unknown. */
export async function resolveSessionId(client: DaemonClient, hints: SessionHints): Promise<string> {
  if (hints.csmSessionId) return hints.csmSessionId;
  return findSession(await client.sessions(), hints).id;
}

/**
 * The csm session we belong to. Sessions started by hand (adopted through the hooks) have no CSM_SESSION_ID,
 * so they are matched by Claude's session id or, failing that, by folder; a dead match is only a last resort,
 * and two live sessions in one folder cannot be told apart.
 */
export function findSession(sessions: readonly SessionInfo[], hints: Omit<SessionHints, 'csmSessionId'>): SessionInfo {
  if (hints.claudeSessionId) {
    const byClaude = preferLive(sessions.filter((x) => x.claude_session_id === hints.claudeSessionId));
    if (byClaude[0]) return byClaude[0];
  }
  const here = samePath(hints.cwd);
  const inFolder = preferLive(sessions.filter((x) => here(x.cwd)));
  if (inFolder.length === 1) return inFolder[0]!;
  if (inFolder.length > 1) {
    // The session calling a tool is busy; an idle one in the same folder is someone else.
    const running = inFolder.filter((x) => x.status === 'running');
    if (running.length === 1) return running[0]!;
    throw new SessionNotFound(
      `Several csm sessions run in ${hints.cwd} (${inFolder.map((x) => x.id).join(', ')}) and this one cannot tell which it is: start sessions with \`csm new\` so each knows its id.`,
    );
  }
  throw new SessionNotFound(
    `This Claude Code session is not known to the csm daemon (no session in ${hints.cwd}): start it with \`csm new\`, or install the hooks with \`csm setup\` so sessions started by hand are picked up.`,
  );
}

function preferLive(list: SessionInfo[]): SessionInfo[] {
  const live = list.filter((x) => x.status !== 'dead');
  if (live.length > 0) return live;
  return [...list].sort((a, b) => b.started_at - a.started_at).slice(0, 1);
}

function samePath(dir: string): (other: string) => boolean {
  const a = resolve(dir);
  const ra = real(a);
  return (other) => resolve(other) === a || real(resolve(other)) === ra;
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
