import { describe, expect, it } from 'vitest';
import { escapeXml, parsePlist, PlistError, renderPlist, specFromPlist } from '../../../daemon/service/launchd.js';
import { createSpec, describeChanges, findOnPath, servicePath, type ServiceSpec } from '../../../daemon/service/spec.js';
import { execStart, parseUnit, quoteSystemd, renderUnit } from '../../../daemon/service/systemd.js';

/** Paths people really have: spaces (Application Support), quotes, and the characters each format treats specially. */
const TRICKY = [
  '/usr/bin/node',
  '/Users/me/Library/Application Support/claude-session-manager',
  "/home/o'brien/csm",
  '/home/me/"quoted"/dir',
  '/opt/back\\slash/x',
  '/tmp/100% sure',
  '/tmp/$HOME and ${PATH}',
  '/tmp/a;b&c|d<e>f',
  '/tmp/tab\there',
  '/tmp/new\nline',
  '/tmp/ünïcødé/文字',
];

const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
  argv: ['/usr/bin/node', '/opt/csm/dist/daemon/cli/main.js', 'serve'],
  env: { PATH: '/usr/local/bin:/usr/bin:/bin', CSM_HOME: '/home/me/.local/share/claude-session-manager' },
  logDir: '/home/me/.local/share/claude-session-manager/logs',
  ...over,
});

describe('systemd quoting', () => {
  it.each([
    ['/usr/bin/node', 'argument', '"/usr/bin/node"'],
    ['/a b/c', 'argument', '"/a b/c"'],
    ['say "hi"', 'argument', '"say \\"hi\\""'],
    ['a\\b', 'argument', '"a\\\\b"'],
    ['100%', 'argument', '"100%%"'],
    ['100%', 'environment', '"100%%"'],
    ['$HOME', 'argument', '"$$HOME"'],
    ['/opt/$x/node', 'executable', '"/opt/$x/node"'],
    ['/opt/100%/node', 'executable', '"/opt/100%%/node"'],
    ['$HOME', 'environment', '"$HOME"'],
    ['a\nb', 'argument', '"a\\nb"'],
    ['a\tb', 'argument', '"a\\tb"'],
    ['a\x01b', 'argument', '"a\\x01b"'],
    ["it's", 'argument', '"it\'s"'],
    ['文字', 'argument', '"文字"'],
  ] as const)('%j in %s → %s', (word, where, quoted) => {
    expect(quoteSystemd(word, where)).toBe(quoted);
  });

  it.each(TRICKY)('a unit with %j everywhere reads back to the same spec', (p) => {
    const s = spec({ argv: [`${p}/node`, `${p}/main.js`, 'serve', '--config', `${p}/config.yaml`], env: { PATH: `${p}:/usr/bin`, CSM_HOME: p } });
    const text = renderUnit(s);
    // Every setting stays on its own line whatever the path holds.
    expect(text.split('\n').filter((l) => l.startsWith('ExecStart='))).toHaveLength(1);
    expect(parseUnit(text)).toEqual({ ...s, logDir: '' });
  });

  it.each([
    ['/usr/bin/node', '"/usr/bin/node" "/m.js"'],
    ['/opt/$v/node', '"/opt/$v/node" "/m.js"'],
    ["/home/o'brien/node", `"/usr/bin/env" "/home/o'brien/node" "/m.js"`],
    ['/x/"q"/node', '"/usr/bin/env" "/x/\\"q\\"/node" "/m.js"'],
    ['/x/back\\slash/node', '"/usr/bin/env" "/x/back\\\\slash/node" "/m.js"'],
    ['/x/tab\there/node', '"/usr/bin/env" "/x/tab\\there/node" "/m.js"'],
  ])('a node at %j runs as ExecStart=%s (systemd refuses quotes and backslashes in a program path)', (node, line) => {
    expect(execStart([node, '/m.js'])).toBe(line);
  });

  it('restarts on failure, keeps the sessions alive on stop, and is wanted at login', () => {
    const text = renderUnit(spec());
    for (const line of ['Restart=on-failure', 'KillMode=process', 'WantedBy=default.target', 'Type=simple', 'ExecStart="/usr/bin/node" "/opt/csm/dist/daemon/cli/main.js" "serve"']) {
      expect(text.split('\n')).toContain(line);
    }
  });

  it.each([
    ['no ExecStart', '[Service]\nType=simple\n'],
    ['an unterminated quote', '[Service]\nExecStart="/usr/bin/node\n'],
    ['a specifier csm never writes', '[Service]\nExecStart=/usr/bin/node %h/main.js\n'],
    ['a variable csm never writes', '[Service]\nExecStart=/usr/bin/node $MAIN\n'],
    ['an Environment word without =', '[Service]\nExecStart=/bin/true\nEnvironment=JUSTAWORD\n'],
  ])('a unit with %s is not read as csm\'s', (_, text) => {
    expect(parseUnit(text)).toBeNull();
  });
});

describe('plist', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<x>', '&lt;x&gt;'],
    [`"it's"`, '&quot;it&apos;s&quot;'],
    ['cr\r', 'cr&#13;'],
    ['tab\tand\nnewline', 'tab\tand\nnewline'],
    ['文字', '文字'],
  ])('%j is escaped as %j', (text, xml) => {
    expect(escapeXml(text)).toBe(xml);
  });

  it.each(['\x01', '\x1b[0m', '\x00'])('a path holding %j cannot go into a plist, and the error says what to do', (ch) => {
    expect(() => escapeXml(`/tmp/a${ch}b`)).toThrow(PlistError);
    expect(() => escapeXml(`/tmp/a${ch}b`)).toThrow(/move csm/);
  });

  it('the LaunchAgent has the keys launchd needs: runs at login, restarts after a failure, logs under CSM_HOME', () => {
    const s = spec({ argv: ['/usr/local/bin/node', '/opt/csm/main.js', 'serve', '--config', '/etc/csm.yaml'] });
    const plist = parsePlist(renderPlist(s));
    expect(plist).toEqual({
      Label: 'com.claude-session-manager.csm',
      ProgramArguments: s.argv,
      EnvironmentVariables: s.env,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      AbandonProcessGroup: true,
      StandardOutPath: `${s.logDir}/daemon.out.log`,
      StandardErrorPath: `${s.logDir}/daemon.err.log`,
    });
  });

  it.each(TRICKY)('a LaunchAgent with %j everywhere reads back to the same spec', (p) => {
    const s = spec({ argv: [`${p}/node`, `${p}/main.js`, 'serve'], env: { PATH: `${p}:/usr/bin`, CSM_HOME: p }, logDir: `${p}/logs` });
    expect(specFromPlist(renderPlist(s))).toEqual(s);
  });

  const wrap = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">${body}</plist>`;
  it.each([
    ['a bare &', wrap('<string>a & b</string>')],
    ['an unknown entity', wrap('<string>&nbsp;</string>')],
    ['an element csm does not write', wrap('<data>AAAA</data>')],
    ['a key without a value', wrap('<dict><key>a</key></dict>')],
    ['a key twice', wrap('<dict><key>a</key><true/><key>a</key><false/></dict>')],
    ['stray text', wrap('<dict>hello<key>a</key><true/></dict>')],
    ['text after the end', `${wrap('<true/>')}junk`],
    ['a missing </plist>', '<plist version="1.0"><true/>'],
    ['markup inside a string', wrap('<string>a<b/>c</string>')],
    ['a root that is not <plist>', '<dict></dict>'],
  ])('the strict parser refuses %s', (_, text) => {
    expect(() => parsePlist(text)).toThrow(PlistError);
  });

  it('reads numeric character references and empty strings', () => {
    expect(parsePlist(wrap('<array><string>&#65;&#x42;</string><string/><integer>-3</integer></array>'))).toEqual(['AB', '', -3]);
  });
});

describe('the spec', () => {
  it('puts the tool folders first, once each, then the system folders', () => {
    expect(servicePath(['/home/me/.nvm/versions/node/v20/bin', '/usr/bin', '/opt/homebrew/bin', '/home/me/.nvm/versions/node/v20/bin'], 'darwin')).toBe(
      '/home/me/.nvm/versions/node/v20/bin:/usr/bin:/opt/homebrew/bin:/usr/local/bin:/bin:/usr/sbin:/sbin',
    );
    expect(servicePath(['relative/bin'], 'linux')).toBe('/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin');
  });

  it('pins --config only when one was given, and CSM_LOG_LEVEL only when set', () => {
    const base = { node: '/n', script: '/s.js', csmHome: '/h', logDir: '/h/logs', toolDirs: [], platform: 'linux' as const };
    expect(createSpec(base).argv).toEqual(['/n', '/s.js', 'serve']);
    expect(createSpec(base).env).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', CSM_HOME: '/h' });
    const full = createSpec({ ...base, configFile: '/c.yaml', logLevel: 'debug' });
    expect(full.argv).toEqual(['/n', '/s.js', 'serve', '--config', '/c.yaml']);
    expect(full.env.CSM_LOG_LEVEL).toBe('debug');
  });

  it.each([
    ['nothing', spec(), []],
    ['the node', spec({ argv: ['/usr/local/bin/node', '/opt/csm/dist/daemon/cli/main.js', 'serve'] }), ['node: /usr/bin/node → /usr/local/bin/node']],
    ['the csm', spec({ argv: ['/usr/bin/node', '/srv/csm/main.js', 'serve'] }), ['csm: /opt/csm/dist/daemon/cli/main.js → /srv/csm/main.js']],
    ['the config', spec({ argv: [...spec().argv, '--config', '/c.yaml'] }), ['config: (none) → /c.yaml']],
    ['CSM_HOME', spec({ env: { ...spec().env, CSM_HOME: '/x' } }), ['CSM_HOME: /home/me/.local/share/claude-session-manager → /x']],
    ['PATH and the log level', spec({ env: { ...spec().env, PATH: '/bin', CSM_LOG_LEVEL: 'debug' } }), ['PATH: /usr/local/bin:/usr/bin:/bin → /bin', 'CSM_LOG_LEVEL: (none) → debug']],
  ])('a change of %s is described', (_, after, changes) => {
    expect(describeChanges(spec(), after)).toEqual(changes);
  });

  it('finds a program the way a shell does, skipping relative folders', () => {
    const exists = new Set(['/usr/bin/tmux', 'rel/claude', '/opt/claude']);
    const isExec = (f: string): boolean => exists.has(f);
    expect(findOnPath('tmux', '/nope:/usr/bin', isExec)).toBe('/usr/bin/tmux');
    expect(findOnPath('claude', 'rel:/usr/bin', isExec)).toBeNull();
    expect(findOnPath('/opt/claude', '', isExec)).toBe('/opt/claude');
    expect(findOnPath('/opt/missing', '/usr/bin', isExec)).toBeNull();
  });
});
