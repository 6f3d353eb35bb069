import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversation, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi, type FakeUser } from '../fakes/telegram-bot-api.js';
import { claudeVersions, prepareClaudeHome, workspace } from '../helpers/claude.js';
import { newIdleSessionWait, type DaemonHandle } from '../helpers/daemon.js';
import { button, startTelegramDaemon, telegramConfig, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

const GROUP = -100_777;
const bob: FakeUser = { id: 2002, first_name: 'Robert', username: 'bob' };
const carol: FakeUser = { id: 3003, first_name: 'Carol' };

interface AuditRow { channel: string; user: string | null; name: string | null; action: string; detail: string | null; outcome: string }

/** Team mode with real Claude Code: in a group, a viewer's reply types nothing and their tap answers nothing; an operator's Allow goes through; the audit names each person. */
describe.each(claudeVersions())('Telegram team with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let project: string;

  beforeAll(async () => {
    const ws = workspace(`csm-tg-team-${label}`);
    project = ws.project;
    api = await startFakeAnthropic();
    tg = await FakeTelegramBotApi.start({ chats: [{ id: GROUP, type: 'group', title: 'team' }] });
    d = await startTelegramDaemon(tg, {
      claudeBin: bin,
      claudeEnv: prepareClaudeHome({ dir: ws.home, apiUrl: api.url, trustedDirs: [project] }),
      config: {
        telegram: { ...telegramConfig(tg), chat_id: GROUP, allowed_user_ids: [tg.owner.id], users: [{ id: bob.id, name: 'Bob', role: 'operator' }, { id: carol.id, name: 'Carol', role: 'viewer' }] },
      },
    });
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
    await api?.close();
  });

  it("a viewer's reply types nothing and their Allow is refused; the operator's Allow runs the tool; the audit names them", async () => {
    const sent = tg.userSends({ text: `/new ${project}`, chatId: GROUP });
    const root = await tg.waitForMessage((m) => m.chat_id === GROUP && /^🚀 Session [0-9a-f]{4} started/.test(textOf(m)) && m.message_id > sent.message_id, 30_000);
    const id = /Session ([0-9a-f]{4})/.exec(textOf(root))![1]!;
    await newIdleSessionWait(d, id);

    const viewerText = tg.userSends({ text: 'carol wants this typed', chatId: GROUP, replyTo: root.message_id, from: carol });
    const refusal = await tg.waitForMessage((m) => m.reply_to === viewerText.message_id && textOf(m).startsWith('🔒'), 15_000);
    expect(textOf(refusal)).toMatch(/You are a viewer here.*typing into sessions.*Nothing was done/);

    api.reply({ toolUse: { name: 'Bash', input: { command: 'touch team-was-here', description: 'Create a file' } } }, { text: 'Created the file.' });
    tg.userSends({ text: 'please create the file', chatId: GROUP, replyTo: root.message_id });
    const perm = await tg.waitForMessage((m) => m.chat_id === GROUP && textOf(m).startsWith(`🔔 ${id} Bash`), 30_000);

    const byViewer = tg.userTaps(perm.message_id, button(perm, /^Allow/), { from: carol, chatId: GROUP });
    expect(await tg.waitForCallbackAnswer(byViewer, 15_000)).toMatchObject({ text: expect.stringMatching(/viewer.*answering requests/), show_alert: true });
    expect((await d.api<{ pending: { request_id: string } | null }>('GET', `/session/${id}`)).body.pending).not.toBeNull();

    const byOperator = tg.userTaps(perm.message_id, button(perm, /^Allow/), { from: bob, chatId: GROUP });
    await tg.waitForCallbackAnswer(byOperator, 15_000);
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('Created the file.'), 30_000);
    await tg.waitForMessage((m) => m.message_id === perm.message_id && /✅ Allowed by Bob \(Telegram\)$/.test(textOf(m)), 15_000);
    expect(api.toolResults().at(-1)?.is_error).toBe(false);
    // Claude never saw the viewer's words.
    expect(api.requests.some((r) => conversation(r).includes('carol wants this typed'))).toBe(false);

    const audit = await d.api<{ entries: AuditRow[] }>('GET', `/audit?session=${id}`);
    const rows = audit.body.entries.map((e) => [e.channel, e.name, e.action, e.outcome]);
    expect(rows[0]).toEqual(['telegram', '@owner', 'newSession', 'ok']);
    expect(rows).toContainEqual(['telegram', '@owner', 'sendInput', 'ok']);
    expect(rows).toContainEqual(['telegram', 'Bob', 'answer', 'ok']);
    expect(audit.body.entries.find((e) => e.action === 'answer')!.detail).toMatch(/^allow .*→ allowed$/);
    expect(audit.body.entries.some((e) => e.user === String(carol.id))).toBe(false);
    await waitFor(async () => (await d.cli(['audit', '--session', id])).stdout.includes('telegram Bob'), { message: 'csm audit shows Bob', timeoutMs: 10_000 });
  });
});

/**
 * telegram.chat_ids with real Claude Code: the owner and an operator each in their own private chat with the
 * bot. Every session and request shows in both; the operator's Allow in their chat runs the tool and marks
 * the request answered, by whom, in both; a reply in either chat types into the session.
 */
describe.each(claudeVersions())('Telegram, two private chats, with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let project: string;
  const mallory: FakeUser = { id: 4004, first_name: 'Mallory' };

  beforeAll(async () => {
    const ws = workspace(`csm-tg-chats-${label}`);
    project = ws.project;
    api = await startFakeAnthropic();
    tg = await FakeTelegramBotApi.start({ chats: [{ id: bob.id, type: 'private' }] });
    d = await startTelegramDaemon(tg, {
      claudeBin: bin,
      claudeEnv: prepareClaudeHome({ dir: ws.home, apiUrl: api.url, trustedDirs: [project] }),
      config: {
        telegram: { bot_token: tg.token, api_root: tg.url, chat_ids: [tg.owner.id, bob.id], users: [{ id: tg.owner.id, role: 'owner' }, { id: bob.id, name: 'Bob', role: 'operator' }] },
      },
    });
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
    await api?.close();
  });

  it("each chat gets the session and its request; Bob's Allow in his chat is shown, with his name, in both; both chats can type", async () => {
    const sent = tg.userSends({ text: `/new ${project}` });
    const started = (chat: number) => tg.waitForMessage((m) => m.chat_id === chat && /^🚀 Session [0-9a-f]{4} started/.test(textOf(m)) && (chat !== tg.owner.id || m.message_id > sent.message_id), 30_000);
    const [ownerRoot, bobRoot] = await Promise.all([started(tg.owner.id), started(bob.id)]);
    const id = /Session ([0-9a-f]{4})/.exec(textOf(ownerRoot))![1]!;
    expect(textOf(bobRoot)).toContain(`Session ${id} started`);
    await newIdleSessionWait(d, id);

    api.reply({ toolUse: { name: 'Bash', input: { command: 'touch two-chats', description: 'Create a file' } } }, { text: 'Created it.' });
    tg.userSends({ text: 'please create the file', replyTo: ownerRoot.message_id });
    const request = (chat: number) => tg.waitForMessage((m) => m.chat_id === chat && textOf(m).startsWith(`🔔 ${id} Bash`), 30_000);
    const [ownerPerm, bobPerm] = await Promise.all([request(tg.owner.id), request(bob.id)]);

    const tap = tg.userTaps(bobPerm.message_id, button(bobPerm, /^Allow/), { from: bob, chatId: bob.id });
    await tg.waitForCallbackAnswer(tap, 15_000);
    const answered = (chat: number, messageId: number) =>
      tg.waitForMessage((m) => m.chat_id === chat && m.message_id === messageId && /✅ Allowed by Bob \(Telegram\)$/.test(textOf(m)), 15_000);
    await Promise.all([answered(tg.owner.id, ownerPerm.message_id), answered(bob.id, bobPerm.message_id)]);
    await Promise.all([tg.owner.id, bob.id].map((chat) => tg.waitForMessage((m) => m.chat_id === chat && textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('Created it.'), 30_000)));
    expect(api.toolResults().at(-1)?.is_error).toBe(false);
    // The buttons are gone in both chats: the request was answered once.
    for (const [chat, m] of [[tg.owner.id, ownerPerm], [bob.id, bobPerm]] as const) {
      expect(tg.chatMessages(chat).find((x) => x.message_id === m.message_id)?.reply_markup).toBeFalsy();
    }

    // Bob types from his chat, replying to the session's root there.
    api.reply({ text: 'Hello Bob.' });
    const bobText = tg.userSends({ text: 'bob says hello from his chat', chatId: bob.id, replyTo: bobRoot.message_id, from: bob });
    await waitFor(() => api.requests.some((r) => conversation(r).includes('bob says hello from his chat')), { message: "Claude received Bob's text", timeoutMs: 30_000 });
    await waitFor(() => tg.chatMessages(bob.id).find((m) => m.message_id === bobText.message_id)?.reactions.length, { message: "👍 on Bob's text in his chat", timeoutMs: 15_000 });

    // Someone in a private chat the config does not name: no reply, nothing typed.
    tg.configureChat({ id: mallory.id, type: 'private' });
    tg.userSends({ text: '/list', chatId: mallory.id, from: mallory });
    tg.userSends({ text: '/help', chatId: bob.id, from: bob });
    await tg.waitForMessage((m) => m.chat_id === bob.id && textOf(m).startsWith('Claude Session Manager'), 15_000);
    expect(tg.botMessages(mallory.id)).toHaveLength(0);

    const audit = await d.api<{ entries: AuditRow[] }>('GET', `/audit?session=${id}`);
    const rows = audit.body.entries.map((e) => [e.name, e.action, e.outcome]);
    expect(rows).toContainEqual(['Bob', 'answer', 'ok']);
    expect(rows).toContainEqual(['Bob', 'sendInput', 'ok']);
  });
});
