import { describe, expect, it } from 'vitest';
import { compose, renderIdleSummary, renderRequest } from '../../../daemon/channels/email/render.js';
import type { PendingRequest, SessionEvent } from '../../../daemon/events/types.js';
import { questionRequest } from '../../../daemon/sessions/questions.js';
import { COLOUR, FEATURES } from '../../fixtures/questions.js';

describe('compose', () => {
  it('tags the subject, ends with the footer, and keeps code monospaced and escaped in HTML', () => {
    const m = compose({ session: 'a1b2', ref: 'csm.a1b2.0123456789abcdef01234567' }, 'Build report', 'All <green> & done.\n\n```\n$ npm test\n  ✓ 12 passed\n```\n\nBye');
    expect(m.subject).toBe('[claude-a1b2] Build report');
    expect(m.text).toBe('All <green> & done.\n\n```\n$ npm test\n  ✓ 12 passed\n```\n\nBye\n\n---\nReply to this email to send input to session a1b2.\n(csm.a1b2.0123456789abcdef01234567)\n');
    expect(m.html).toContain('All &lt;green&gt; &amp; done.');
    expect(m.html).toMatch(/<pre style="[^"]*monospace[^"]*">\$ npm test\n  ✓ 12 passed<\/pre>/);
    expect(m.html).toContain('Reply to this email to send input to session a1b2.');
  });

  it('mail about no session says who sent it and has no reply footer', () => {
    const m = compose(null, 'x'.repeat(300), 'hello');
    expect(m.subject).toMatch(/^\[csm\] x+…$/);
    expect(m.subject.length).toBeLessThan(160);
    expect(m.text).not.toContain('Reply to this email');
  });
});

describe('what a mail says', () => {
  const at = 0;
  const session_id = 'a1b2';
  const req: PendingRequest = { request_id: 'r1', kind: 'permission', title: 'Bash', detail: 'rm -rf dist', options: [], allows_text: true, created_at: 0 };
  it('an idle summary has the last message and the screen', () => {
    const r = renderIdleSummary({ kind: 'idle_long', at, session_id, idle_seconds: 600, last_message: 'Tests pass.', screen_tail: '❯ ' }, '/home/o/app');
    expect(r.subject).toBe('Idle for 10 min: waiting for you');
    expect(r.body).toContain('Session a1b2 (/home/o/app) has been idle for 10 min');
    expect(r.body).toContain("Claude's last message:\n\nTests pass.");
    expect(r.body).toContain('```\n❯ \n```');
  });

  it('a request says how to answer it', () => {
    expect(renderRequest(req).body).toMatch(/Reply with "allow", "always" .* or "deny"/);
    const q = renderRequest({ ...req, kind: 'question', title: 'Which DB?', detail: 'Which DB?', options: [{ key: '1', label: 'Postgres' }, { key: '2', label: 'SQLite' }] });
    expect(q.subject).toBe('Question: Which DB?');
    expect(q.body).toContain('  2. SQLite');
  });
});

describe('renderRequest for Claude\'s own questions and unknown screens', () => {
  it('a multi-select question: which of how many, the options with their meaning, how to answer several', () => {
    const r = questionRequest([COLOUR, FEATURES], 1, 'r9', 0);
    const m = renderRequest(r);
    expect(m.subject).toBe(`Question: ${FEATURES.question}`);
    expect(m.body).toContain('Claude asks (question 2 of 2), about Features:');
    expect(m.body).toContain('  2. Search — full-text search over projects');
    expect(m.body).toContain('for example "1,3"');
  });
  it('a screen nobody recognises: the screen and the key names', () => {
    const m = renderRequest({ request_id: 'r', kind: 'screen', title: 't', detail: 'Where to?\n>> staging', options: [{ key: 'Enter', label: '⏎' }, { key: 'Down', label: '↓' }], allows_text: true, created_at: 0 });
    expect(m.body).toContain('>> staging');
    expect(m.body).toContain('Reply with a key name to press it (Enter, Down)');
  });
});


describe('compose with web.public_url', () => {
  it('the footer links to the session on the dashboard', () => {
    const m = compose({ session: 'a1b2', ref: 'csm.a1b2.x', web: 'https://box.ts.net/web/#/s/a1b2' }, 'Idle', 'hi');
    expect(m.text).toContain('Open in browser: https://box.ts.net/web/#/s/a1b2\n');
    expect(m.html).toContain('Open in browser: https://box.ts.net/web/#/s/a1b2');
  });
});
