// The architecture, checked: dependencies point inward (README, "Architecture"). A rule here is a sentence of
// that section; when one fails, the message says which layer may not reach which, and why.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** `from` may not be imported by `target`: one zone per rule of the layering. */
const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) });

const layering = [
  zone('./daemon/channels', './daemon/tmux', 'A channel never touches tmux: go through the command layer (daemon/commands).'),
  zone('./daemon/channels', './daemon/sessions', 'A channel knows sessions only through the command layer and the events.'),
  zone('./daemon/channels', './daemon/screen', 'A channel knows screens only through the events (PendingRequest).'),
  zone('./daemon/channels', './daemon/http', 'Channels and the HTTP API are siblings: neither imports the other.'),
  zone('./daemon/web', './daemon/tmux', 'The dashboard reads panes through the command layer, never tmux.'),
  zone('./daemon/web', './daemon/channels', 'The dashboard and the channels are siblings: neither imports the other.'),
  zone('./daemon/channels', './daemon/web', 'The dashboard and the channels are siblings: neither imports the other.'),
  zone('./daemon/sessions', './daemon/web', 'Session code never knows the dashboard.'),
  zone('./daemon/sessions', './daemon/channels', 'Session code never knows a channel: it produces events.'),
  zone('./daemon/sessions', './daemon/commands', 'The command layer calls sessions, not the other way round.'),
  zone('./daemon/sessions', './daemon/http', 'Session code never knows the HTTP API.'),
  zone('./daemon/tmux', './daemon/sessions', 'tmux is the bottom layer.'),
  zone('./daemon/screen', './daemon/sessions', 'Screen reading is pure and below the sessions.'),
  zone('./daemon/screen', './daemon/tmux', 'Screen reading is pure: it gets text, never a tmux client.'),
  zone('./daemon/events', './daemon/sessions', 'Events are the shared vocabulary: they import nothing above them.'),
  zone('./daemon/events', './daemon/channels', 'Events are the shared vocabulary: they import nothing above them.'),
  zone('./daemon/conversation', './daemon/channels', 'The conversation core serves every channel and knows none: a channel is handed to it, never imported.'),
  zone('./daemon/conversation', './daemon/tmux', 'The conversation core drives sessions only through the command layer.'),
  zone('./daemon/conversation', './daemon/sessions', 'The conversation core drives sessions only through the command layer.'),
  zone('./daemon/commands', './daemon/tmux', 'The command layer reaches panes through sessions/pane.ts: sessions own their pane.'),
  zone('./daemon/commands', './daemon/channels', 'The command layer never knows a channel.'),
  zone('./daemon/commands', './daemon/http', 'The command layer never knows the HTTP API.'),
  zone('./daemon/http', './daemon/channels', 'Channels and the HTTP API are siblings: neither imports the other.', ['./channel.ts']),
  zone('./daemon/!(cli)/**/*', './daemon/cli', 'Only the CLI entry imports the CLI.'),
  zone('./daemon/*.ts', './daemon/cli', 'Only the CLI entry imports the CLI.'),
  zone('./daemon', './mcp', 'The daemon never imports the MCP server; the MCP server calls the daemon over HTTP.'),
  zone('./mcp', './daemon', 'The MCP server reaches the daemon over its HTTP API only (daemon/api-client.ts).', [
    './api-client.ts', './events/types.ts', './paths.ts', './token.ts', './assets.ts',
  ]),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'coverage/**', 'web/vendor/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 2023, sourceType: 'module' } },
    plugins: { 'import-x': importX, '@typescript-eslint': tseslint.plugin },
    settings: {
      // Dependencies are parsed as TypeScript too, or no-cycle cannot follow them and finds nothing.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'import-x/no-duplicates': 'error',
      'no-control-regex': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['daemon/**/*.ts', 'mcp/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layering }] },
  },
  {
    // Below the entry points nothing prints or reads the environment: both are handed in.
    files: ['daemon/**/*.ts', 'mcp/**/*.ts'],
    ignores: ['daemon/cli/**', 'mcp/server.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only the entry points (daemon/cli, mcp/server.ts) read process.env; take it as a parameter.' }],
    },
  },
);
