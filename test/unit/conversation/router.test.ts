import { describe, expect, it } from 'vitest';
import { EMAIL_AUDIENCE } from '../../../daemon/channels/email/channel.js';
import { TELEGRAM_AUDIENCE } from '../../../daemon/channels/telegram/channel.js';
import { conversationChannels, route, type Audience } from '../../../daemon/conversation/router.js';
import type { PendingRequest, SessionEvent } from '../../../daemon/events/types.js';

const at = 0;
const session_id = 'a1b2';
const req: PendingRequest = { request_id: 'r1', kind: 'permission', title: 'Bash', detail: 'rm -rf dist', options: [], allows_text: true, created_at: 0 };
const WEBHOOK: Audience = { name: 'webhook', role: 'mirror', progress: true, reminders: true };

const both = [TELEGRAM_AUDIENCE, EMAIL_AUDIENCE];
const emailOnly = [EMAIL_AUDIENCE];
const telegramOnly = [TELEGRAM_AUDIENCE];

// name, event, reached with Telegram + email, with email alone, with Telegram alone
const table: [string, SessionEvent, string[], string[], string[]][] = [
  ['notify for email', { kind: 'notify', at, session_id, notify_id: 'n', channel: 'email', subject: null, message: 'm' }, ['email'], ['email'], []],
  ['notify auto', { kind: 'notify', at, session_id, notify_id: 'n', channel: 'auto', subject: null, message: 'm' }, ['telegram'], ['email'], ['telegram']],
  ['notify for telegram', { kind: 'notify', at, session_id, notify_id: 'n', channel: 'telegram', subject: null, message: 'm' }, ['telegram'], [], ['telegram']],
  ['long idle summary', { kind: 'idle_long', at, session_id, idle_seconds: 600, last_message: 'done', screen_tail: '' }, ['email'], ['email'], []],
  ['error', { kind: 'error', at, session_id, message: 'exit 1', screen_tail: '' }, ['telegram'], ['email'], ['telegram']],
  ['permission request', { kind: 'permission_request', at, session_id, request: req }, ['telegram'], ['email'], ['telegram']],
  ['a question asked for email', { kind: 'waiting_input', at, session_id, request: { ...req, kind: 'question', channel: 'email' } }, ['email'], ['email'], []],
  ['a question for the usual channel', { kind: 'waiting_input', at, session_id, request: { ...req, kind: 'question' } }, ['telegram'], ['email'], ['telegram']],
  ['started', { kind: 'started', at, session_id, cwd: '/p', adopted: false }, ['telegram'], [], ['telegram']],
  ['short idle', { kind: 'idle', at, session_id, idle_seconds: 60, last_message: null }, ['telegram'], [], ['telegram']],
  ['finished', { kind: 'finished', at, session_id, last_message: 'x' }, ['telegram'], [], ['telegram']],
  ['ended', { kind: 'dead', at, session_id, exit_code: 0 }, ['telegram'], [], ['telegram']],
  ['resolved', { kind: 'resolved', at, session_id, request_id: 'r1', outcome: 'allowed', by: { channel: 'api' } }, ['telegram'], [], ['telegram']],
];

describe('route: which channels an event reaches', () => {
  it.each(table)('%s', (_n, e, withBoth, withEmail, withTelegram) => {
    expect(route(e, both)).toEqual(withBoth);
    expect(route(e, emailOnly)).toEqual(withEmail);
    expect(route(e, telegramOnly)).toEqual(withTelegram);
  });

  it.each(table)('a mirror (webhook) gets every event, and changes nothing for the others: %s', (_n, e, withBoth) => {
    expect(route(e, [...both, WEBHOOK])).toEqual([...withBoth, 'webhook']);
    expect(route(e, [WEBHOOK])).toEqual(['webhook']);
  });

  it('the primary is the first conversation channel, whatever the order of mirrors', () => {
    expect(conversationChannels([WEBHOOK, EMAIL_AUDIENCE, TELEGRAM_AUDIENCE])).toEqual(['email', 'telegram']);
    expect(route(table[1]![1], [WEBHOOK, EMAIL_AUDIENCE])).toEqual(['email', 'webhook']);
  });
});
