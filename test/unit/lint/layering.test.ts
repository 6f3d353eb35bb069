import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The linter is the architecture's guard (eslint.config.js): these plant what it must refuse, in a folder of
// their own inside daemon/ (the zones are paths), and check that it does.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const probe = join(root, 'daemon', 'channels', `lint-probe-${process.pid}`);
const coreProbe = join(root, 'daemon', 'conversation', `lint-probe-${process.pid}`);
const eslint = new ESLint({ cwd: root });

async function ruleIds(files: Record<string, string>, dir = probe): Promise<string[]> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const results = await eslint.lintFiles(Object.keys(files).map((f) => relative(root, join(dir, f))));
  return results.flatMap((r) => r.messages.map((m) => m.ruleId ?? m.message));
}

describe('npm run lint refuses what breaks the layering', () => {
  beforeAll(() => {
    mkdirSync(probe, { recursive: true });
    mkdirSync(coreProbe, { recursive: true });
  });
  afterAll(() => {
    rmSync(probe, { recursive: true, force: true });
    rmSync(coreProbe, { recursive: true, force: true });
  });

  it('a dependency cycle', async () => {
    const ids = await ruleIds({
      'a.ts': "import { b } from './b.js';\nexport const a = (): number => b + 1;\n",
      'b.ts': "import { a } from './a.js';\nexport const b = 1;\nexport const c = (): number => a();\n",
    });
    expect(ids.filter((id) => id === 'import-x/no-cycle')).toHaveLength(2);
  });

  it('a channel importing tmux, or session code', async () => {
    const ids = await ruleIds({
      'tmux.ts': "import { TmuxClient } from '../../tmux/tmux-client.js';\nexport const t = TmuxClient;\n",
      'sessions.ts': "import { SessionManager } from '../../sessions/session-manager.js';\nexport const s = SessionManager;\n",
    });
    expect(ids).toEqual(['import-x/no-restricted-paths', 'import-x/no-restricted-paths']);
  });

  it('the conversation core importing a channel, or session code', async () => {
    const ids = await ruleIds({
      'channel.ts': "import { createTelegramChannel } from '../../channels/telegram/channel.js';\nexport const c = createTelegramChannel;\n",
      'sessions.ts': "import { SessionManager } from '../../sessions/session-manager.js';\nexport const s = SessionManager;\n",
    }, coreProbe);
    expect(ids).toEqual(['import-x/no-restricted-paths', 'import-x/no-restricted-paths']);
  });

  it('printing or reading the environment below the entry points', async () => {
    const ids = await ruleIds({ 'env.ts': "export const home = process.env.HOME;\nconsole.log(home);\n" });
    expect(ids.sort()).toEqual(['no-console', 'no-restricted-properties']);
  });

  it('the tree as it is: clean', async () => {
    const results = await eslint.lintFiles(['daemon/commands', 'daemon/events', 'daemon/conversation/*.ts', 'mcp']);
    expect(results.flatMap((r) => r.messages.map((m) => `${relative(root, r.filePath)}: ${m.ruleId} ${m.message}`))).toEqual([]);
  });
});
