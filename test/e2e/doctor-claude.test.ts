import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { claudeVersions } from '../helpers/claude.js';
import { waitFor } from '../helpers/wait.js';

// `csm doctor --claude` as the owner runs it: the built CLI (dist), the real Claude Code of each version,
// the owner's Claude settings in their own folder, and a TMPDIR and TMUX_TMPDIR of the test's own, so that
// "leaves nothing behind" can be checked exactly.

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/daemon/cli/main.js');

function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (this test runs the built CLI).`);
  for (const src of ['daemon/selftest/self-test.ts', 'daemon/selftest/checks.ts', 'daemon/selftest/scripted-model.ts', 'daemon/cli/doctor.ts']) {
    const built = join(ROOT, 'dist', src.replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, src)).mtimeMs) throw new Error(`${built} is older than ${src}: run \`npm run build\` first.`);
  }
}

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** What the run left in its TMPDIR (temp dirs) and TMUX_TMPDIR (tmux sockets). */
  leftovers: string[];
  /** Processes still running in the run's temp folders (Claude Code, the MCP server, pipe-pane). */
  processes: string[];
}

/**
 * Runs the built `csm doctor --claude` with `claude.command` pointing at `bin` and the owner's Claude settings.
 * `during` runs while it does, with the process and the folder where its tmux socket appears.
 */
async function doctor(
  bin: string,
  ownerSettings: Record<string, unknown> | null,
  extra: string[] = [],
  during?: (child: ResultPromise, tmuxDir: string) => Promise<void>,
  env: Record<string, string> = {},
): Promise<Run> {
  const root = mkdtempSync(join(tmpdir(), 'csm-doctor-claude-'));
  const dirs = { tmp: join(root, 'tmp'), tmux: join(root, 'tmux'), owner: join(root, 'owner-claude'), csm: join(root, 'csm-home') };
  for (const d of Object.values(dirs)) mkdirSync(d, { mode: 0o700 });
  if (ownerSettings) writeFileSync(join(dirs.owner, 'settings.json'), JSON.stringify(ownerSettings));
  const configFile = join(root, 'config.yaml');
  writeFileSync(configFile, stringify({ claude: { command: bin } }));
  const started = Date.now();
  const child = execa(process.execPath, [CLI, 'doctor', '--claude', '--config', configFile, ...extra], {
    cwd: ROOT,
    reject: false,
    // A run that left a server or socket open would never exit: the whole run must take well under a minute.
    timeout: 60_000,
    env: { ...process.env, TMPDIR: dirs.tmp, TMUX_TMPDIR: dirs.tmux, CLAUDE_CONFIG_DIR: dirs.owner, CSM_HOME: dirs.csm, ...env },
  });
  try {
    await during?.(child, dirs.tmux);
    const r = await child;
    const ms = Date.now() - started;
    const leftovers = [...readdirSync(dirs.tmp).map((f) => `TMPDIR/${f}`), ...listTree(dirs.tmux).map((f) => `TMUX_TMPDIR/${f}`)];
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, ms, leftovers, processes: processesIn(dirs.tmp) };
  } finally {
    child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** Linux: the processes whose working folder is under `dir`. */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

const line = (stdout: string, name: string): string => stdout.split('\n').find((l) => new RegExp(`^[✓✗] ${name} `).test(l)) ?? `(no "${name}" line)`;

describe.each(claudeVersions())('csm doctor --claude, Claude Code $label', ({ bin, label }) => {
  it('passes every check, prints the version and the total time, and leaves nothing behind', async () => {
    assertBuilt();
    const r = await doctor(bin, {});
    const out = r.stdout;
    expect(out.split('\n')[0]).toMatch(label === 'latest' ? /^Claude Code: 2\.\d+\.\d+ \(Claude Code\) \(/ : new RegExp(`^Claude Code: ${label.replaceAll('.', '\\.')} \\(Claude Code\\) \\(`));
    expect(line(out, 'hooks')).toMatch(/^✓ hooks +SessionStart arrived \d+ ms after launch$/);
    expect(line(out, 'typed text')).toMatch(/^✓ typed text +a typed prompt was confirmed by UserPromptSubmit in \d+ ms$/);
    expect(line(out, 'permission')).toMatch(/^✓ permission +a Bash permission was relayed, allowed through the hook, and the command ran$/);
    expect(line(out, 'idle')).toMatch(/^✓ idle +idle after the turn, finished with Claude's last message$/);
    expect(out.split('\n').at(-1)).toMatch(/checks passed in \d+\.\d s$/);
    expect(r.leftovers).toEqual([]);
    expect(r.processes).toEqual([]);
    expect(r.ms).toBeLessThan(45_000);
    // Needs the AskUserQuestion support built on another branch: until that is merged, this line reads
    // `✗ question  expected a question ...; saw kind "permission" titled "AskUserQuestion" ...`.
    expect(line(out, 'question')).toBe('✓ question    a question with 3 options was relayed; the answer "Teal" reached the model');
    expect(out.split('\n').at(-1)).toMatch(/^All 5 checks passed in \d+\.\d s$/);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('the owner\'s settings turn every hook off: a clear hooks line naming the file and the fix, exit 1, nothing left behind', async () => {
    assertBuilt();
    const r = await doctor(bin, { disableAllHooks: true });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(line(r.stdout, 'hooks')).toMatch(/^✗ hooks +the prompt box is up but no SessionStart hook came within 5 s; the screen: ".*❯.*"$/);
    expect(r.stdout).toMatch(/\n +fix: "disableAllHooks": true in \/\S+\/owner-claude\/settings\.json keeps csm's hooks from running: remove it\n/);
    for (const name of ['typed text', 'permission', 'question', 'idle']) expect(line(r.stdout, name)).toMatch(/^✗ \S.* +not checked: Claude Code sends no hooks$/);
    expect(r.stdout.split('\n').at(-1)).toMatch(/^0 of 5 checks passed in \d+\.\d s$/);
    expect(r.leftovers).toEqual([]);
    expect(r.processes).toEqual([]);
  });
});

describe('csm doctor --claude interrupted', () => {
  it('Ctrl-C while Claude Code runs: stops, says so, exit 130, nothing left behind', async () => {
    assertBuilt();
    const bin = claudeVersions()[0]!.bin;
    const r = await doctor(bin, {}, [], async (child, tmuxDir) => {
      // The private tmux server is up: Claude Code is starting.
      await waitFor(() => listTree(tmuxDir).length > 0, { timeoutMs: 30_000, message: 'the private tmux socket' });
      child.kill('SIGINT');
    });
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stdout).toMatch(/\n✗ run +interrupted before the end; Claude Code and the temp files are cleaned up\n/);
    expect(r.leftovers).toEqual([]);
    expect(r.processes).toEqual([]);
  });
});

describe('csm doctor --claude without its tools', () => {
  it('says what to install or configure, exit 1, as JSON too', async () => {
    assertBuilt();
    const r = await doctor('claude-not-installed-here', null);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^Claude Code: not found \(claude-not-installed-here\)\n✗ claude +"claude-not-installed-here" could not be run\n +fix: install Claude Code \(`npm i -g @anthropic-ai\/claude-code`\), or set claude.command in the config to its full path\n/);
    const j = await doctor('claude-not-installed-here', null, ['--json']);
    expect(j.exitCode).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, claude_version: null, claude_command: 'claude-not-installed-here', checks: [{ name: 'claude', ok: false }] });
    expect([...r.leftovers, ...j.leftovers]).toEqual([]);
  });

  it('tmux missing: the start line says to install it, exit 1, nothing left behind', async () => {
    assertBuilt();
    // A PATH with nothing on it: node and Claude Code are named by their absolute paths.
    const emptyBin = mkdtempSync(join(tmpdir(), 'csm-emptybin-'));
    try {
      const r = await doctor(claudeVersions()[0]!.bin, {}, [], undefined, { PATH: emptyBin });
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/\n✗ start +csm could not start Claude Code: tmux is not installed or not on PATH: install it \(apt install tmux \/ brew install tmux\), then try again\.\n0 of 1 checks passed in \d+\.\d s$/);
      expect(r.leftovers).toEqual([]);
    } finally {
      rmSync(emptyBin, { recursive: true, force: true });
    }
  });
});
