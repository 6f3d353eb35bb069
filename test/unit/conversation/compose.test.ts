import { describe, expect, it } from 'vitest';
import { composeBurst, composeEvent, composeRequest, shortPath } from '../../../daemon/conversation/compose.js';
import { plain, type Message } from '../../../daemon/conversation/message.js';
import type { PendingRequest, SessionEvent } from '../../../daemon/events/types.js';
import { renderMail } from '../../../daemon/channels/email/render.js';
import { renderRequest as telegramRequest } from '../../../daemon/channels/telegram/render.js';
import { questionRequest } from '../../../daemon/sessions/questions.js';
import { FEATURES } from '../../fixtures/questions.js';

const at = 0;
const session_id = 'a1b2';
const ctx = { home: '/home/o', webUrl: 'https://box.ts.net', cwdOf: () => '/home/o/app' };
const permission = (tool_name: string, tool_input: Record<string, unknown>, detail = ''): PendingRequest => ({
  request_id: 'r1', kind: 'permission', title: tool_name, detail, tool_name, tool_input, allows_text: true, created_at: 0,
  options: [{ key: 'allow', label: 'Allow' }, { key: 'allow_always', label: 'Always allow' }, { key: 'deny', label: 'Deny' }],
});

/** What a message is, in short: title | headline | body part kinds | flags. */
function shape(m: Message | null): string {
  if (!m) return 'none';
  const parts = m.body.map((p) => Object.keys(p)[0]).join(',');
  const flags = [m.urgent && 'urgent', m.key && `key=${m.key}`, m.screen && `screen=${m.screen}`, m.file && `file=${m.file}`, m.request && `request=${m.request.kind}`].filter(Boolean).join(' ');
  return `${m.title} | ${plain(m.headline)} | ${parts} | ${flags}`;
}

// Each event, and what every channel is told about it.
const table: [string, SessionEvent, string][] = [
  ['started', { kind: 'started', at, session_id, cwd: '/home/o/app', adopted: false }, 'Session a1b2 started in /home/o/app | 🚀 Session a1b2 started: ~/app | line | '],
  ['a Bash permission', { kind: 'permission_request', at, session_id, request: permission('Bash', { command: 'npm test', description: 'Run the tests' }, 'npm test\nRun the tests') },
    'Permission: Bash: npm test Run the tests | 🔔 a1b2 Bash: npm test | text | urgent key=req:r1 request=permission'],
  ['an Edit permission', { kind: 'permission_request', at, session_id, request: permission('Edit', { file_path: '/p/a.ts', old_string: 'a', new_string: 'b' }, '/p/a.ts') },
    'Permission: Edit: /p/a.ts | 🔔 a1b2 Edit: /p/a.ts | diff | urgent key=req:r1 request=permission'],
  ['a Write permission', { kind: 'permission_request', at, session_id, request: permission('Write', { file_path: '/p/n.ts', content: 'x\ny' }, '/p/n.ts') },
    'Permission: Write: /p/n.ts | 🔔 a1b2 Write: /p/n.ts | text,diff | urgent key=req:r1 request=permission'],
  ['a multi-line command', { kind: 'permission_request', at, session_id, request: permission('Bash', { command: 'a &&\nb' }, 'a &&\nb') },
    'Permission: Bash: a && b | 🔔 a1b2 Bash: a && | code | urgent key=req:r1 request=permission'],
  ['a dialog', { kind: 'waiting_input', at, session_id, request: { request_id: 'r2', kind: 'dialog', title: 'Trust?', detail: '1. Yes\n2. No', options: [{ key: '1', label: 'Yes' }], allows_text: false, created_at: 0 } },
    'Waiting: Trust? | ❓ a1b2 Trust? | code | urgent key=req:r2 request=dialog'],
  ['a screen nobody recognises: not urgent, shown as an image', { kind: 'waiting_input', at, session_id, request: { request_id: 'r3', kind: 'screen', title: 'waits?', detail: '>> x', options: [], allows_text: true, created_at: 0 } },
    'Waiting on a screen csm does not recognise | 🖥 a1b2 waits? | code | key=req:r3 screen=a1b2 request=screen'],
  ['finished', { kind: 'finished', at, session_id, last_message: 'All tests pass.' }, 'Finished: All tests pass. | ✅ a1b2 finished | text | file=a1b2-last-message.txt'],
  ['finished, nothing said', { kind: 'finished', at, session_id, last_message: null }, 'Finished | ✅ a1b2 finished |  | file=a1b2-last-message.txt'],
  ['an error shows the screen', { kind: 'error', at, session_id, message: 'API error 500', screen_tail: '> x' }, 'Error: API error 500 | ❌ a1b2 error: API error 500 | screen | screen=a1b2 file=a1b2-error.txt'],
  ['notify', { kind: 'notify', at, session_id, notify_id: 'n1', channel: 'auto', subject: 'Build', message: 'done\nok' }, 'Build | 📣 a1b2 Build | text | file=notify-n1.txt'],
  ['notify without a subject or session', { kind: 'notify', at, session_id: '', notify_id: 'n2', channel: 'auto', subject: null, message: 'hello there' }, 'hello there | 📣 | text | file=notify-n2.txt'],
  ['idle', { kind: 'idle', at, session_id, idle_seconds: 90, last_message: null }, 'Idle for 90s | 💤 a1b2 idle for 90s |  | screen=a1b2'],
  ['ended', { kind: 'dead', at, session_id, exit_code: 1 }, 'Ended (exit code 1) | ⚰️ a1b2 ended (exit code 1) |  | '],
  ['long idle', { kind: 'idle_long', at, session_id, idle_seconds: 600, last_message: 'Done.', screen_tail: '❯' },
    'Idle for 10 min: waiting for you | Session a1b2 (/home/o/app) has been idle for 10 min and waits for you. | text,text,screen | screen=a1b2'],
  ['how a request was decided is the channel\'s edit', { kind: 'resolved', at, session_id, request_id: 'r1', outcome: 'allowed', by: { channel: 'api' } }, 'none'],
  ['live output is the channel\'s stream', { kind: 'assistant_text', at, session_id, text: 'hi', turn_id: 't', entry_id: 'e' }, 'none'],
];

describe('compose: what each event says', () => {
  it.each(table)('%s', (_name, e, expected) => {
    expect(shape(composeEvent(e, ctx))).toBe(expected);
  });

  it('a burst names every session once', () => {
    const m = composeBurst([{ kind: 'idle', at, session_id: 'a1', idle_seconds: 5, last_message: null }, { kind: 'dead', at, session_id: 'b2', exit_code: 0 }, { kind: 'idle', at, session_id: 'c3', idle_seconds: 200, last_message: null }]);
    expect(m.body.map((p) => ('line' in p ? plain(p.line) : '?'))).toEqual(['💤 idle: a1 (5s), c3 (3 min)', '⚰️ ended: b2']);
  });

  it.each([
    ['/home/o/app', '~/app'],
    ['/home/o', '~'],
    ['/home/other', '/home/other'],
  ])('shortPath(%s) = %s', (path, short) => expect(shortPath(path, '/home/o')).toBe(short));
});

describe('one message, two renderings', () => {
  it("Claude's question: Telegram shows the options as buttons and a list; mail lists them and says how to reply", () => {
    const r = questionRequest([FEATURES], 0, 'r9', 0);
    const m = composeRequest('a1b2', r);
    const mail = renderMail(m);
    expect(mail.subject).toBe(m.title);
    for (const o of r.options) {
      expect(mail.body).toContain(`  ${o.key}. ${o.label}`);
      expect(telegramRequest('a1b2', r).join('\n')).toContain(o.label);
    }
  });

  it('an error mail: the headline, then the screen it ended with', () => {
    const m = composeEvent({ kind: 'error', at, session_id, message: 'exit 1', screen_tail: 'line 1\nline 2' }, ctx)!;
    expect(renderMail(m).body).toBe('❌ a1b2 error: exit 1\n\nThe screen ends with:\n\n```\nline 1\nline 2\n```');
  });

  it('an error mail with an empty screen says nothing of it', () => {
    const m = composeEvent({ kind: 'error', at, session_id, message: 'exit 1', screen_tail: '  ' }, ctx)!;
    expect(renderMail(m).body).toBe('❌ a1b2 error: exit 1');
  });
});
