import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own folder, found by walking up from this file: the same answer whether we run from the
 * TypeScript sources (tests, tsx) or from dist/ (the installed bin).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name;
      if (name === 'claude-session-manager') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('claude-session-manager: cannot find the package folder');
    dir = parent;
  }
}

export const hookScriptPath = (): string => join(packageRoot(), 'hooks', 'csm-hook.sh');

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
