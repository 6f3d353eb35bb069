import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../assets.js';

export interface Asset {
  type: string;
  body: Buffer;
}

/**
 * The dashboard's files: the page from the package's web/ folder, xterm.js from its npm package. Nothing
 * comes from a CDN. Read once at start (they are small), so a request never touches the disk.
 */
export function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const xterm = dirname(dirname(require.resolve('@xterm/xterm')));
  const web = join(packageRoot(), 'web');
  const files: [string, string, string][] = [
    ['/web/', join(web, 'index.html'), 'text/html; charset=utf-8'],
    ['/web/app.js', join(web, 'app.js'), 'text/javascript; charset=utf-8'],
    ['/web/app.css', join(web, 'app.css'), 'text/css; charset=utf-8'],
    ['/web/vendor/xterm.js', join(xterm, 'lib', 'xterm.js'), 'text/javascript; charset=utf-8'],
    ['/web/vendor/xterm.css', join(xterm, 'css', 'xterm.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(files.map(([path, file, type]) => [path, { type, body: readFileSync(file) }]));
}
