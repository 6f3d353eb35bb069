import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Tmux } from '../tmux/tmux.js';
import { buildLaunch, validateCommand, validateCwd } from './launch.js';
import { newSessionRecord, type SessionRecord, type SessionStore } from './session-store.js';
import { startInTmux } from './tmux-start.js';

export interface SessionStartDeps {
  config: Config;
  tmux: Tmux;
  store: SessionStore;
  url: string;
  hookScript: string;
  mcpServer: { command: string; args: string[] } | null;
  idRandom?: (digits: number) => string;
  fault?: (step: 'after-spawn', cwd: string) => void;
  now: () => number;
}

/**
 * A new Claude Code session in `cwd`: its id, its own credential, its launch (hooks, MCP server), its
 * record, and the program started in tmux. Returns the record once the program runs; the caller registers
 * it. Whatever fails leaves nothing behind: no record, no files, no tmux session.
 */
export async function startSession(d: SessionStartDeps, cwd: string, args: string[]): Promise<SessionRecord> {
  validateCwd(cwd);
  const { config } = d;
  validateCommand(config.claude.command, config.paths.search_path);
  const id = d.store.issueId(d.now(), d.idRandom);
  // The session's hooks and MCP server get this, not the owner's token: it acts for this session only.
  const credential = randomBytes(32).toString('hex');
  const name = `claude-${id}`;
  mkdirSync(config.paths.log_dir, { recursive: true });
  const logFile = join(config.paths.log_dir, `${name}.log`);
  const sessionDir = join(config.paths.home, 'sessions', id);
  const launch = buildLaunch({
    sessionId: id, sessionDir, claudeCommand: config.claude.command, defaultArgs: config.claude.default_args, args,
    extraEnv: config.claude.env, url: d.url, token: credential, hookScript: d.hookScript,
    waitSeconds: config.permissions.remote_timeout_seconds, mcpServer: d.mcpServer,
  });
  const record = newSessionRecord({ id, tmux_session: name, pane_id: '', tmux_socket: null, adopted: false, cwd, log_file: logFile, status: 'starting', credential }, d.now());
  // Stored before tmux starts it: a daemon killed in between finds it on restart (resumeStart) instead of
  // leaving it running unknown, its hooks refused for a credential nobody kept.
  d.store.save(record);
  try {
    record.pane_id = await startInTmux(d.tmux, {
      name, cwd, command: launch.command, env: launch.env, logFile, program: config.claude.command,
      afterSpawn: () => d.fault?.('after-spawn', cwd),
    });
  } catch (err) {
    d.store.remove(id);
    rmSync(sessionDir, { recursive: true, force: true });
    rmSync(logFile, { force: true });
    throw err;
  }
  d.store.save(record);
  return record;
}
