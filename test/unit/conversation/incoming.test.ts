import { describe, expect, it } from 'vitest';
import { IncomingRouter, expandPath, type Guard, type Handled, type IncomingProfile, type IncomingText } from '../../../daemon/conversation/incoming.js';
import type { Action } from '../../../daemon/conversation/roles.js';
import { EventBus } from '../../../daemon/events/bus.js';
import { silentLogger } from '../../../daemon/logger.js';
import type { PendingRequest } from '../../../daemon/events/types.js';
import { FakeCommands } from '../../fakes/commands.js';

/** A channel with buttons (Telegram) and one without, under a signature (mail). */
const BUTTONS: IncomingProfile = { buttons: true, signature: false, commands: new Set(['new', 'list', 'status', 'output', 'screenshot', 'clear', 'compact', 'kill', 'stream', 'help']), outputLines: 30, statusLines: 10, home: '/home/me' };
const MAIL: IncomingProfile = { buttons: false, signature: true, commands: new Set(['status', 'output', 'clear', 'compact', 'kill']), outputLines: 40 };

const DIALOG: Partial<PendingRequest> = {
  kind: 'dialog', title: 'Trust this folder?', options: [{ key: '1', label: 'Yes, proceed' }, { key: '2', label: "Yes, and don't ask again" }, { key: '3', label: 'No' }],
};
const QUESTION: Partial<PendingRequest> = { kind: 'question', title: 'Which colour?', options: [], allows_text: true };

type Setup = (c: FakeCommands) => void;
const one: Setup = (c) => void c.addSession('a1b2', '/p', { emit: false });
const two: Setup = (c) => {
  one(c);
  c.addSession('c3d4', '/q', { emit: false });
};
const withPending = (r: Partial<PendingRequest>): Setup => (c) => {
  one(c);
  c.request('a1b2', { request_id: 'r1', ...r });
};

interface Case {
  name: string;
  profile: IncomingProfile;
  setup: Setup;
  text: Partial<IncomingText> & { text: string };
  /** What came of it (the fields named). */
  handled: Partial<Handled> & { kind: Handled['kind'] };
  /** The Commands calls made, as method(args…). */
  calls: string[];
  /** Actions the guard refuses. */
  refuse?: Action[];
}

const cases: Case[] = [
  // Typing
  { name: 'text in a session thread is typed under its key', profile: BUTTONS, setup: two, text: { text: 'hello', session: 'c3d4' }, handled: { kind: 'typed', session: 'c3d4', delivered: true }, calls: ['sendInput c3d4 "hello" key=k1'] },
  { name: 'text with no thread goes to the only live session', profile: BUTTONS, setup: one, text: { text: 'hello' }, handled: { kind: 'typed', session: 'a1b2' }, calls: ['sendInput a1b2 "hello" key=k1'] },
  { name: 'text with no thread and two sessions: which one?', profile: BUTTONS, setup: two, text: { text: 'hello' }, handled: { kind: 'which' }, calls: [] },
  { name: 'text with no session running', profile: BUTTONS, setup: () => {}, text: { text: 'hello' }, handled: { kind: 'none_running' }, calls: [] },
  { name: 'a reply to a message of no session types nothing', profile: BUTTONS, setup: one, text: { text: 'hello', stray: true }, handled: { kind: 'stray' }, calls: [] },
  { name: 'text to an ended session', profile: MAIL, setup: (c) => void c.addSession('a1b2', '/p', { emit: false, status: 'dead' }), text: { text: 'hello', session: 'a1b2' }, handled: { kind: 'ended' }, calls: [] },
  { name: 'text to a forgotten session', profile: MAIL, setup: () => {}, text: { text: 'hello', session: 'a1b2' }, handled: { kind: 'unknown_session', session: 'a1b2' }, calls: [] },
  { name: 'nothing but a quote', profile: MAIL, setup: one, text: { text: '  ', session: 'a1b2' }, handled: { kind: 'empty' }, calls: [] },
  { name: 'a viewer may not type', profile: BUTTONS, setup: one, text: { text: 'hello', session: 'a1b2' }, refuse: ['type'], handled: { kind: 'refused' }, calls: [] },

  // Requests, with buttons: a reply is the answer, or the reason for a denial
  { name: 'with buttons, a reply to a permission denies it with the reason', profile: BUTTONS, setup: withPending({}), text: { text: 'use the staging db', session: 'a1b2', answering: 'r1' }, handled: { kind: 'answered', session: 'a1b2' }, calls: ['answer a1b2 r1 deny "use the staging db"'] },
  { name: 'with buttons, "ok so no" in reply to a permission is still a denial', profile: BUTTONS, setup: withPending({}), text: { text: 'ok so no', session: 'a1b2', answering: 'r1' }, handled: { kind: 'answered' }, calls: ['answer a1b2 r1 deny "ok so no"'] },
  { name: 'with buttons, plain text while a dialog waits goes to the command layer (which refuses it)', profile: BUTTONS, setup: withPending(DIALOG), text: { text: '2', session: 'a1b2' }, handled: { kind: 'typed' }, calls: ['sendInput a1b2 "2" key=k1'] },
  { name: 'a reply to a question is its answer, all of it', profile: BUTTONS, setup: withPending(QUESTION), text: { text: 'blue\nand green', session: 'a1b2', answering: 'r1' }, handled: { kind: 'answered' }, calls: ['answer a1b2 r1 "blue\\nand green"'] },
  { name: 'a reply to a resolved request sends nothing', profile: BUTTONS, setup: withPending({}), text: { text: 'no', session: 'a1b2', answering: 'r0' }, handled: { kind: 'stale', session: 'a1b2' }, calls: [] },
  { name: 'choosing "don\'t ask again" on a dialog is always-allow', profile: BUTTONS, setup: withPending(DIALOG), text: { text: '2', session: 'a1b2', answering: 'r1' }, refuse: ['always_allow'], handled: { kind: 'refused' }, calls: [] },
  { name: 'an operator may still choose plain yes', profile: BUTTONS, setup: withPending(DIALOG), text: { text: '1', session: 'a1b2', answering: 'r1' }, refuse: ['always_allow'], handled: { kind: 'answered' }, calls: ['answer a1b2 r1 "1"'] },
  { name: 'a viewer may not answer', profile: BUTTONS, setup: withPending({}), text: { text: 'no', session: 'a1b2', answering: 'r1' }, refuse: ['answer', 'always_allow'], handled: { kind: 'refused' }, calls: [] },

  // Requests, without buttons: words
  { name: 'by mail, "allow" answers the waiting permission', profile: MAIL, setup: withPending({}), text: { text: 'Allow!', session: 'a1b2' }, handled: { kind: 'answered' }, calls: ['answer a1b2 r1 allow'] },
  { name: 'by mail, "deny" and a reason', profile: MAIL, setup: withPending({}), text: { text: 'deny not on main', session: 'a1b2', answering: 'r1' }, handled: { kind: 'answered' }, calls: ['answer a1b2 r1 deny "not on main"'] },
  { name: 'by mail, "always"', profile: MAIL, setup: withPending({}), text: { text: 'always', session: 'a1b2' }, handled: { kind: 'answered' }, calls: ['answer a1b2 r1 allow_always'] },
  { name: 'by mail, other words while a permission waits', profile: MAIL, setup: withPending({}), text: { text: 'what is this?', session: 'a1b2' }, handled: { kind: 'not_an_answer' }, calls: [] },
  { name: 'by mail, a dialog takes the first line (the signature is not the choice)', profile: MAIL, setup: withPending(DIALOG), text: { text: '1\n-- \nSent from my phone', session: 'a1b2' }, handled: { kind: 'answered' }, calls: ['answer a1b2 r1 "1"'] },
  { name: 'by mail, a question takes the whole text', profile: MAIL, setup: withPending(QUESTION), text: { text: 'blue\nsecond line', session: 'a1b2' }, handled: { kind: 'typed' }, calls: ['sendInput a1b2 "blue\\nsecond line" key=k1'] },

  // Commands
  { name: '/help', profile: BUTTONS, setup: one, text: { text: '/help' }, handled: { kind: 'help' }, calls: [] },
  { name: 'a command the channel lacks', profile: MAIL, setup: one, text: { text: '/list', session: 'a1b2' }, handled: { kind: 'unsupported', command: 'list' }, calls: [] },
  { name: 'a malformed command', profile: BUTTONS, setup: one, text: { text: '/status not-an-id' }, handled: { kind: 'bad_command' }, calls: [] },
  { name: 'by mail, only the first line is the command', profile: MAIL, setup: one, text: { text: '/output 5\nThanks,\nMe', session: 'a1b2' }, handled: { kind: 'output', session: 'a1b2', lines: 5 }, calls: ['output a1b2 5'] },
  { name: '/output takes the channel\'s default count', profile: BUTTONS, setup: one, text: { text: '/output' }, handled: { kind: 'output', lines: 30 }, calls: ['output a1b2 30'] },
  { name: 'an explicit id beats the thread', profile: BUTTONS, setup: two, text: { text: '/status a1b2', session: 'c3d4' }, handled: { kind: 'status' }, calls: ['output a1b2 10'] },
  { name: 'by mail, /status is the status alone: no screen is read', profile: MAIL, setup: one, text: { text: '/status', session: 'a1b2' }, handled: { kind: 'status', screen: null }, calls: [] },
  { name: '/clear with two sessions and no thread: which one?', profile: BUTTONS, setup: two, text: { text: '/clear' }, handled: { kind: 'which' }, calls: [] },
  { name: '/clear refused before which-one', profile: BUTTONS, setup: two, text: { text: '/clear' }, refuse: ['clear'], handled: { kind: 'refused' }, calls: [] },
  { name: '/compact is typed', profile: MAIL, setup: one, text: { text: '/compact', session: 'a1b2' }, handled: { kind: 'sent', command: 'compact' }, calls: ['sendInput a1b2 "/compact"'] },
  { name: 'with buttons, /kill asks first', profile: BUTTONS, setup: one, text: { text: '/kill' }, handled: { kind: 'confirm_kill' }, calls: [] },
  { name: 'by mail, /kill stops it', profile: MAIL, setup: one, text: { text: '/kill', session: 'a1b2' }, handled: { kind: 'killed', session: 'a1b2' }, calls: ['kill a1b2'] },
  { name: '/kill refused for a viewer before anything', profile: BUTTONS, setup: two, text: { text: '/kill' }, refuse: ['kill'], handled: { kind: 'refused' }, calls: [] },
  { name: '/new expands ~ from home', profile: BUTTONS, setup: (c) => c.existingDirs.add('/home/me/app'), text: { text: '/new ~/app' }, handled: { kind: 'started' }, calls: ['newSession /home/me/app'] },
  { name: '/new refused outside the allowed folders', profile: BUTTONS, setup: () => {}, text: { text: '/new /etc' }, refuse: ['new'], handled: { kind: 'refused' }, calls: [] },
  { name: '/stream with a mode', profile: BUTTONS, setup: one, text: { text: '/stream off' }, handled: { kind: 'stream', session: 'a1b2', mode: 'off' }, calls: [] },
];

function describeCall(c: FakeCommands['calls'][number]): string {
  const a = c.args as Record<string, unknown>;
  switch (c.method) {
    case 'sendInput':
      return `sendInput ${c.id} ${JSON.stringify(a['text'])}${a['key'] ? ` key=${String(a['key'])}` : ''}`;
    case 'answer': {
      const input = a['input'] as { request_id?: string; choice: string; message?: string };
      const choice = ['allow', 'allow_always', 'deny'].includes(input.choice) ? input.choice : JSON.stringify(input.choice);
      return `answer ${c.id} ${input.request_id} ${choice}${input.message ? ` ${JSON.stringify(input.message)}` : ''}`;
    }
    case 'output':
      return `output ${c.id} ${String(a['lines'])}`;
    case 'newSession':
      return `newSession ${(a['input'] as { cwd: string }).cwd}`;
    default:
      return `${c.method} ${c.id ?? ''}`.trim();
  }
}

describe('the incoming router', () => {
  it.each(cases)('$name', async (c) => {
    const commands = new FakeCommands(new EventBus(silentLogger));
    c.setup(commands);
    const effects: string[] = [];
    const guard: Guard = {
      permit: (_origin, action) => (c.refuse?.includes(action) ? { ok: false, reason: `no ${action}` } : { ok: true }),
      beforeEffect: () => effects.push('effect'),
    };
    const text: IncomingText = { origin: { channel: 'telegram', user: '7' }, session: null, answering: null, stray: false, key: 'k1', ...c.text };
    const handled = await new IncomingRouter(commands, c.profile).text(text, guard);
    expect(handled).toMatchObject(c.handled);
    expect(commands.calls.filter((x) => x.method !== 'list').map(describeCall)).toEqual(c.calls);
    // Every change is announced first (a channel records it for crash idempotency); reading is not.
    const changes = commands.calls.filter((x) => ['sendInput', 'answer', 'kill', 'newSession'].includes(x.method)).length;
    expect(effects.length).toBe(changes);
  });

  it.each([
    ['a tap on the open request answers it', withPending(DIALOG), 'r1', '1', [], { kind: 'answered' }, ['answer a1b2 r1 "1"']],
    ['a tap on a request that is no longer open sends nothing', withPending(DIALOG), 'r0', '1', [], { kind: 'stale' }, []],
    ['"don\'t ask again" tapped by someone who may not always-allow', withPending(DIALOG), 'r1', '2', ['always_allow'], { kind: 'refused' }, []],
    ['Always allow on a permission is always-allow', withPending({}), 'r1', 'allow_always', ['always_allow'], { kind: 'refused' }, []],
    ['a tap in an ended session', (c: FakeCommands) => void c.addSession('a1b2', '/p', { emit: false, status: 'dead' }), 'r1', '1', [], { kind: 'ended' }, []],
  ] as [string, Setup, string, string, Action[], Partial<Handled>, string[]][])('%s', async (_name, setup, request, choice, refuse, handled, calls) => {
    const commands = new FakeCommands(new EventBus(silentLogger));
    setup(commands);
    const guard: Guard = { permit: (_o, action) => (refuse.includes(action) ? { ok: false, reason: 'no' } : { ok: true }) };
    expect(await new IncomingRouter(commands, BUTTONS).choose({ origin: { channel: 'telegram', user: '7' }, session: 'a1b2', request, choice }, guard)).toMatchObject(handled);
    expect(commands.calls.filter((x) => x.method !== 'list').map(describeCall)).toEqual(calls);
  });

  it.each([
    ['an operator may press a plain option of such a dialog', '1', { kind: 'pressed', pressed: ['1'] }, ['keys a1b2']],
    ['but not its "don\'t ask again"', '2', { kind: 'refused' }, []],
    ['nor Enter, which picks whatever is highlighted', 'Enter', { kind: 'refused' }, []],
  ] as [string, string, Partial<Handled>, string[]][])('keypad: %s', async (_name, key, handled, calls) => {
    const commands = new FakeCommands(new EventBus(silentLogger));
    withPending(DIALOG)(commands);
    const guard: Guard = { permit: (_o, action) => (action === 'always_allow' ? { ok: false, reason: 'owners only' } : { ok: true }) };
    expect(await new IncomingRouter(commands, BUTTONS).press({ origin: { channel: 'telegram', user: '7' }, session: 'a1b2', keys: [key] }, guard)).toMatchObject(handled);
    expect(commands.calls.filter((x) => x.method !== 'list').map(describeCall)).toEqual(calls);
  });

  it('a text that is never a command is not parsed as one', async () => {
    const commands = new FakeCommands(new EventBus(silentLogger));
    one(commands);
    const handled = await new IncomingRouter(commands, BUTTONS).input({ text: '/kill', origin: { channel: 'telegram' }, session: 'a1b2', answering: null, stray: false, key: 'k' });
    expect(handled).toMatchObject({ kind: 'typed', session: 'a1b2' });
    expect(commands.typed).toEqual([{ id: 'a1b2', text: '/kill' }]);
  });

  it('the same key types once, however often the text is handled', async () => {
    const commands = new FakeCommands(new EventBus(silentLogger));
    one(commands);
    const router = new IncomingRouter(commands, MAIL);
    const t: IncomingText = { text: 'hello', origin: { channel: 'email' }, session: 'a1b2', answering: null, stray: false, key: 'email:<m1@x>' };
    await router.text(t);
    await router.text(t);
    expect(commands.typed).toEqual([{ id: 'a1b2', text: 'hello' }]);
  });

  it.each([
    ['~', '/home/me'],
    ['~/app', '/home/me/app'],
    ['app', '/home/me/app'],
    ['/srv/x', '/srv/x'],
  ])('expandPath(%s) = %s', (path, expanded) => {
    expect(expandPath(path, '/home/me')).toBe(expanded);
  });
});
