import { describe, expect, it } from 'vitest';
import { CALLBACK_DATA_LIMIT, decodeCallback, encodeAnswer, encodeCallback, type CallbackAction } from '../../../daemon/channels/telegram/callback-data.js';
import { escapeHtml, htmlToText, MESSAGE_LIMIT, shortDiff, splitMessage } from '../../../daemon/channels/telegram/format.js';
import {
  DOCUMENT_THRESHOLD, renderDecision, renderError, renderFinished, renderRequest, renderRoot, requestKeyboard, shortPath,
} from '../../../daemon/channels/telegram/render.js';
import type { PendingRequest } from '../../../daemon/events/types.js';
import { questionRequest } from '../../../daemon/sessions/questions.js';
import { COLOUR, FEATURES, SIZE } from '../../fixtures/questions.js';
import { parseTelegramHtml } from '../../fakes/telegram-bot-api-html.js';

/** Every message we produce must parse as Telegram HTML and fit. */
function expectValid(html: string, limit = 4096): string {
  const parsed = parseTelegramHtml(html);
  if (!parsed.ok) throw new Error(`${parsed.error}\n${html.slice(0, 300)}`);
  expect(parsed.text.length).toBeLessThanOrEqual(limit);
  return parsed.text;
}

const request = (over: Partial<PendingRequest>): PendingRequest => ({
  request_id: 'deadbeef', kind: 'permission', title: 'Bash', detail: '', allows_text: true, created_at: 0,
  options: [{ key: 'allow', label: 'Allow' }, { key: 'allow_always', label: 'Always allow' }, { key: 'deny', label: 'Deny' }],
  ...over,
});

describe('escapeHtml', () => {
  it.each([
    ['a < b', 'a &lt; b'],
    ['x > y', 'x &gt; y'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    ['&lt; already', '&amp;lt; already'],
    ['<script>alert("x")</script>', '&lt;script&gt;alert("x")&lt;/script&gt;'],
    ['plain', 'plain'],
  ])('%j → %j, which reads back as the original', (input, escaped) => {
    expect(escapeHtml(input)).toBe(escaped);
    expect(expectValid(escapeHtml(input))).toBe(input);
    expect(htmlToText(escapeHtml(input))).toBe(input);
  });
});

describe('splitMessage', () => {
  const line = (i: number): string => `line ${String(i).padStart(4, '0')} ${'x'.repeat(60)}`;
  const lines = (n: number): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');

  it.each([
    ['short text stays one message', [{ text: 'hello <world> & co' }], 1],
    ['exactly at the limit stays one', [{ text: 'y'.repeat(MESSAGE_LIMIT) }], 1],
    ['one over the limit becomes two', [{ text: 'y'.repeat(MESSAGE_LIMIT + 1) }], 2],
    ['many lines split between lines', [{ html: '<b>head</b>' }, { text: lines(200) }], 4],
    ['a long <pre> is re-opened in each part', [{ pre: lines(150) }], 3],
    ['an empty pre is dropped', [{ html: 'x' }, { pre: '  \n ' }], 1],
  ] as const)('%s', (_name, blocks, parts) => {
    const out = splitMessage([...blocks]);
    expect(out).toHaveLength(parts);
    const text = out.map((m) => expectValid(m)).join('\n');
    // Nothing lost: every input character is in the output, in order.
    const input = blocks.map((b) => ('html' in b ? htmlToText(b.html) : 'text' in b ? b.text : b.pre.trim())).filter((s) => s !== '').join('\n');
    expect(text.replace(/\n/g, '')).toBe(input.replace(/\n/g, ''));
  });

  it('cuts only between lines when lines fit', () => {
    const out = splitMessage([{ text: lines(200) }]);
    for (const m of out) for (const l of htmlToText(m).split('\n')) expect(l).toMatch(/^line \d{4} x{60}$/);
  });

  it('never splits a surrogate pair or an entity', () => {
    const out = splitMessage([{ text: '😀'.repeat(3000) + '&<>'.repeat(500) }]);
    for (const m of out) expect(htmlToText(expectValid(m))).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('long content', () => {
  it.each([
    ['short → one message', 100, 'messages', 1],
    ['medium → several messages, none cut', 9000, 'messages', 3],
    ['very long → a .txt document with a caption', DOCUMENT_THRESHOLD + 10, 'document', 0],
  ] as const)('%s', (_name, size, kind, parts) => {
    const last = Array.from({ length: Math.ceil(size / 50) }, (_, i) => `${i} ${'m'.repeat(47)}`).join('\n').slice(0, size);
    const r = renderFinished({ kind: 'finished', session_id: 'a1b2', at: 0, last_message: last });
    expect(r.kind).toBe(kind);
    if (r.kind === 'messages') {
      expect(r.messages).toHaveLength(parts);
      const text = r.messages.map((m) => expectValid(m)).join('\n');
      expect(text).toContain('✅ a1b2 finished');
      expect(text.replace(/\n/g, '')).toContain(last.replace(/\n/g, ''));
    } else {
      expect(r.content).toBe(last);
      expect(r.filename).toBe('a1b2-last-message.txt');
      expect(expectValid(r.caption, 1024)).toMatch(/attached file/);
    }
  });

  it('an error shows the last screen lines in <pre>', () => {
    const r = renderError({ kind: 'error', session_id: 'a1b2', at: 0, message: 'API <overloaded>', screen_tail: Array.from({ length: 40 }, (_, i) => `row ${i}`).join('\n') });
    expect(r.kind).toBe('messages');
    if (r.kind !== 'messages') return;
    expect(r.messages[0]).toContain('<pre>row 25\n');
    expect(expectValid(r.messages[0]!)).toMatch(/^❌ a1b2 error: API <overloaded>\nrow 25\n[\s\S]*row 39$/);
  });
});

describe('permission requests', () => {
  it.each([
    ['Bash', request({ tool_name: 'Bash', tool_input: { command: 'rm -rf node_modules', description: 'Remove node_modules' } }), ['🔔 a1b2 Bash: rm -rf node_modules', 'Remove node_modules']],
    ['Edit diff', request({ tool_name: 'Edit', title: 'Edit', tool_input: { file_path: '/p/a.ts', old_string: 'a\nconst x = 1;\nz', new_string: 'a\nconst x = 2 < 3;\nz' } }), ['🔔 a1b2 Edit: /p/a.ts', '- const x = 1;\n+ const x = 2 < 3;']],
    ['Write', request({ tool_name: 'Write', title: 'Write', tool_input: { file_path: '/p/new.md', content: '# T\n<b>' } }), ['🔔 a1b2 Write: /p/new.md', 'New content, 2 lines:', '+ # T\n+ <b>']],
  ])('%s', (_name, r, expected) => {
    const messages = renderRequest('a1b2', r);
    const text = messages.map((m) => expectValid(m)).join('\n');
    for (const e of expected) expect(text).toContain(e);
  });

  it('buttons: Allow / Always allow / Deny in one row, the screen image below; no "Always" unless offered', () => {
    expect(requestKeyboard('a1b2', request({})).map((row) => row.map((b) => b.text))).toEqual([['Allow', 'Always allow', 'Deny'], ['🖼 Screen']]);
    expect(requestKeyboard('a1b2', request({}))[1]![0]!.data).toBe('i:a1b2');
    const noAlways = request({ options: [{ key: 'allow', label: 'Allow' }, { key: 'deny', label: 'Deny' }] });
    expect(requestKeyboard('a1b2', noAlways)[0]!.map((b) => b.data)).toEqual(['a:a1b2:deadbeef:allow', 'a:a1b2:deadbeef:deny']);
  });

  it('the decision line names who decided and where', () => {
    expect(htmlToText(renderDecision('allowed', { channel: 'telegram', user: '1' }, '@owner'))).toBe('✅ Allowed by @owner (Telegram)');
    expect(htmlToText(renderDecision('denied: no <way>', { channel: 'telegram', user: '1' }, null))).toBe('🚫 Denied by user 1 (Telegram): no <way>');
    expect(htmlToText(renderDecision('answered in the terminal', { channel: 'terminal' }, null))).toBe('✅ Answered in the terminal');
  });
});

describe("Claude's own questions and unknown screens", () => {
  const colour = questionRequest([COLOUR, SIZE], 0, 'deadbeef', 0);
  const features = questionRequest([FEATURES], 0, 'cafef00d', 0);
  const rows = (kb: { text: string; data: string }[][]): string[][] => kb.map((row) => row.map((b) => b.text));

  it('the header, which of how many, the question, each option with what it means', () => {
    const text = renderRequest('a1b2', colour).map((m) => expectValid(m)).join('\n');
    expect(text).toContain(`❓ a1b2 Colour (1 of 2): ${COLOUR.question}`);
    expect(text).toContain('1. Crimson — a deep red');
    expect(text).toContain('reply to this message to answer in your own words');
  });

  it('one button per option, and the keypad and the screen image as a fallback', () => {
    expect(rows(requestKeyboard('a1b2', colour))).toEqual([['Crimson'], ['Teal'], ['⌨ Keys…', '🖼 Screen']]);
    expect(requestKeyboard('a1b2', colour)[1]![0]!.data).toBe('a:a1b2:deadbeef:2');
  });

  it.each([
    [0, ['☐ Login', '☐ Search', '☐ Export', '✅ Done'], 't:a1b2:cafef00d:0'],
    [0b101, ['☑ Login', '☐ Search', '☑ Export', '✅ Done (1,3)'], 'a:a1b2:cafef00d:1,3'],
  ])('multi-select with boxes ticked %i: boxes, and Done with the choice', (mask, labels, done) => {
    const kb = requestKeyboard('a1b2', features, mask);
    expect(rows(kb).flat().slice(0, 4)).toEqual(labels);
    expect(kb[3]![0]!.data).toBe(done);
    // Each box's button carries the selection after its tap.
    expect(decodeCallback(kb[1]![0]!.data)).toEqual({ type: 'toggle', session: 'a1b2', request: 'cafef00d', mask: mask ^ 0b10 });
  });

  it('a screen nobody recognises: its text and a keypad, four keys a row', () => {
    const screen = request({ kind: 'screen', title: 'Waiting on a screen csm does not recognise', detail: 'Where to?\n>> <staging>', options: [{ key: 'Up', label: '↑' }, { key: 'Down', label: '↓' }, { key: 'Enter', label: '⏎ Enter' }, { key: 'Escape', label: 'Esc' }, { key: 'Tab', label: 'Tab' }] });
    const text = renderRequest('a1b2', screen).map((m) => expectValid(m)).join('\n');
    expect(text).toContain('>> <staging>');
    expect(rows(requestKeyboard('a1b2', screen))).toEqual([['↑', '↓', '⏎ Enter', 'Esc'], ['Tab']]);
  });
});

describe('shortDiff', () => {
  it.each([
    ['one changed line', 'a\nb\nc', 'a\nB\nc', '- b\n+ B'],
    ['pure insertion', 'a\nc', 'a\nb\nc', '+ b'],
    ['identical', 'x', 'x', '(no change)'],
    ['long sides are capped, saying how much is left out', Array(15).fill('o').join('\n'), '', `${Array(3).fill('- o').join('\n')}\n- … 12 more lines\n+ `],
  ])('%s', (_name, a, b, expected) => {
    expect(shortDiff(a, b, 3)).toBe(expected);
  });
});

describe('callback data', () => {
  const cases: CallbackAction[] = [
    { type: 'answer', session: 'a1b2', request: 'deadbeef', option: 'allow_always' },
    { type: 'open', session: 'ffff' },
    { type: 'kill', session: '0000' },
    { type: 'cancel' },
    { type: 'pick', choice: 123456789, session: 'a1b2' },
    { type: 'toggle', session: 'a1b2c3d4', request: 'deadbeef', mask: 0b1011 },
    { type: 'keypad', session: 'a1b2' },
    { type: 'key', session: 'a1b2', key: 'PageDown' },
    { type: 'screenshot', session: 'a1b2c3d4' },
  ];
  it.each(cases)('%j round-trips within 64 bytes', (a) => {
    const data = encodeCallback(a);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(CALLBACK_DATA_LIMIT);
    expect(decodeCallback(data)).toEqual(a);
  });

  it('a long option key falls back to its index', () => {
    const data = encodeAnswer('a1b2', 'deadbeef', 'Yes, and don’t ask again for this command in this project'.repeat(2), 1);
    expect(data).toBe('a:a1b2:deadbeef:#1');
    expect(Buffer.byteLength(encodeAnswer('a1b2', 'deadbeef', 'é'.repeat(30), 0))).toBeLessThanOrEqual(64);
  });

  it.each(['', 'zz', 'a:', 'a:a1b2', 'p:x:a1b2', 'o', 't:a1b2:deadbeef:zz', 't:a1b2:deadbeef', 'y:a1b2', 'K:'])('rejects %j', (data) => {
    expect(decodeCallback(data)).toBeNull();
  });
});

describe('shortPath', () => {
  it.each([
    ['/home/u/projects/app', '/home/u', '~/projects/app'],
    ['/home/u', '/home/u', '~'],
    ['/home/user2/x', '/home/u', '/home/user2/x'],
  ])('%s', (path, home, expected) => expect(shortPath(path, home)).toBe(expected));
});

describe('the root message', () => {
  it.each([
    [undefined, '🚀 Session <b>a1b2</b> started: <code>~/app</code>'],
    ['https://box.ts.net', '🚀 Session <b>a1b2</b> started: <code>~/app</code>\n<a href="https://box.ts.net/web/#/s/a1b2">Open in browser</a>'],
  ])('web.public_url %s', (url, want) => {
    const html = renderRoot('a1b2', '/home/me/app', '/home/me', url);
    expect(html).toBe(want);
    expect(() => parseTelegramHtml(html)).not.toThrow();
  });
});

describe('decided from the dashboard', () => {
  it('says so', () => {
    expect(renderDecision('allowed', { channel: 'web' }, null)).toBe('✅ Allowed via the dashboard');
  });
});
