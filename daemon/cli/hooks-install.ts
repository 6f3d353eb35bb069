import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { MCP_TOOL_IDS } from '../mcp-install.js';
import { HOOK_EVENTS, hookSettings, isCsmHookCommand, type HookCommandOptions } from '../hooks-config.js';

/**
 * `csm hooks install|uninstall|status`: our hook entries merged into Claude Code's user settings, keeping
 * every other key and every other hook. Writes a backup before changing the file, and writes atomically.
 */
export function claudeSettingsFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), '.claude');
  return join(dir, 'settings.json');
}

type Settings = Record<string, unknown> & { hooks?: Record<string, HookEntry[]>; permissions?: Record<string, unknown> & { allow?: unknown } };
interface HookEntry {
  matcher?: string;
  hooks?: { type?: string; command?: unknown }[];
}

function read(file: string): Settings {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Settings;
  } catch {
    // fall through
  }
  throw new Error(`${file} is not a JSON object; fix or move it, then run this again. Nothing was changed.`);
}

function write(file: string, settings: Settings): string | null {
  mkdirSync(dirname(file), { recursive: true });
  let backup: string | null = null;
  if (existsSync(file)) {
    backup = `${file}.csm-backup`;
    copyFileSync(file, backup);
  }
  const tmp = `${file}.csm-tmp`;
  writeFileSync(tmp, `${JSON.stringify(settings, null, 2)}\n`);
  renameSync(tmp, file);
  return backup;
}

/** Removes our entries; drops hook lists and events that become empty. */
export function withoutCsmHooks(settings: Settings): Settings {
  const hooks = { ...(settings.hooks ?? {}) };
  for (const [event, entries] of Object.entries(hooks)) {
    if (!Array.isArray(entries)) continue;
    const kept = entries
      .map((e) => ({ ...e, hooks: (e.hooks ?? []).filter((h) => !isCsmHookCommand(h.command)) }))
      .filter((e) => e.hooks.length > 0);
    if (kept.length > 0) hooks[event] = kept;
    else delete hooks[event];
  }
  const out: Settings = { ...settings, hooks };
  if (Object.keys(hooks).length === 0) delete out.hooks;
  return out;
}

export function withCsmHooks(settings: Settings, options: HookCommandOptions): Settings {
  const clean = withoutCsmHooks(settings);
  const ours = hookSettings(options).hooks;
  const hooks: Record<string, HookEntry[]> = { ...(clean.hooks ?? {}) };
  for (const event of HOOK_EVENTS) hooks[event] = [...(hooks[event] ?? []), ...ours[event]];
  return { ...clean, hooks };
}

/** Same settings, whatever the order of keys: re-adding our hooks must not count as a change. */
function same(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, canonical(x)])) : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export function installHooks(file: string, options: HookCommandOptions): { changed: boolean; backup: string | null } {
  const before = read(file);
  const after = withCsmHooks(before, options);
  if (same(before, after)) return { changed: false, backup: null };
  return { changed: true, backup: write(file, after) };
}

/** Our MCP tools only reach the owner: allowed by name, so a hand-started session does not stop to ask. */
export function withCsmToolsAllowed(settings: Settings): Settings {
  const allow = Array.isArray(settings.permissions?.allow) ? (settings.permissions.allow as unknown[]) : [];
  const missing = MCP_TOOL_IDS.filter((id) => !allow.includes(id));
  if (missing.length === 0) return settings;
  return { ...settings, permissions: { ...(settings.permissions ?? {}), allow: [...allow, ...missing] } };
}

export function withoutCsmToolsAllowed(settings: Settings): Settings {
  if (!Array.isArray(settings.permissions?.allow)) return settings;
  const allow = (settings.permissions.allow as unknown[]).filter((x) => !MCP_TOOL_IDS.includes(x as string));
  const permissions: Record<string, unknown> = { ...settings.permissions, allow };
  if (allow.length === 0) delete permissions.allow;
  const out: Settings = { ...settings, permissions };
  if (Object.keys(permissions).length === 0) delete out.permissions;
  return out;
}

/** `csm setup`: lets Claude Code call notify, send_email and ask_user without asking first. Idempotent. */
export function allowCsmTools(file: string): { changed: boolean; backup: string | null } {
  const before = read(file);
  const after = withCsmToolsAllowed(before);
  if (same(before, after)) return { changed: false, backup: null };
  return { changed: true, backup: write(file, after) };
}

export function csmToolsAllowed(file: string): boolean {
  const allow = read(file).permissions?.allow;
  return Array.isArray(allow) && MCP_TOOL_IDS.every((id) => allow.includes(id));
}

/** Removes our hooks and our tool permissions; everything else stays. */
export function uninstallHooks(file: string): { changed: boolean; backup: string | null } {
  const before = read(file);
  const after = withoutCsmToolsAllowed(withoutCsmHooks(before));
  if (same(before, after)) return { changed: false, backup: null };
  return { changed: true, backup: write(file, after) };
}

export function hooksStatus(file: string): { installed: string[]; missing: string[] } {
  const settings = read(file);
  const installed = HOOK_EVENTS.filter((event) =>
    (settings.hooks?.[event] ?? []).some((e) => (e.hooks ?? []).some((h) => isCsmHookCommand(h.command))),
  );
  return { installed, missing: HOOK_EVENTS.filter((e) => !installed.includes(e)) };
}
