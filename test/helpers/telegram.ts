import type { FakeMessage, FakeTelegramBotApi } from '../fakes/telegram-bot-api.js';
import { newIdleSessionWait, startDaemon, type DaemonHandle, type StartDaemonOptions } from './daemon.js';
import { waitFor } from './wait.js';

/** What the person sees of a bot message: its text, or a document's caption. */
export const textOf = (m: FakeMessage): string => m.text ?? m.document?.caption ?? '';

/** The callback data of the button whose label matches (exact text or pattern); throws naming what is there. */
export function button(m: FakeMessage, label: string | RegExp): string {
  const b = (m.reply_markup?.inline_keyboard.flat() ?? []).find((x) => (typeof label === 'string' ? x.text === label : label.test(x.text)));
  if (!b?.callback_data) throw new Error(`no button ${String(label)} on: ${textOf(m)} ${JSON.stringify(m.reply_markup)}`);
  return b.callback_data;
}

/** The owner sends `/new <path>` in the chat; resolves with the session's root message once Claude Code is idle. */
export async function newSessionFromChat(tg: FakeTelegramBotApi, d: DaemonHandle, path: string): Promise<{ id: string; root: FakeMessage }> {
  const sent = tg.userSends({ text: `/new ${path}` });
  const root = await tg.waitForMessage((m) => /^🚀 Session [0-9a-f]{4} started/.test(textOf(m)) && textOf(m).includes(path) && m.message_id > sent.message_id, 30_000);
  const id = /Session ([0-9a-f]{4})/.exec(textOf(root))![1]!;
  await newIdleSessionWait(d, id);
  return { id, root };
}

/** The daemon's `telegram:` section for the fake Bot API. */
export const telegramConfig = (tg: FakeTelegramBotApi) => ({ bot_token: tg.token, chat_id: tg.owner.id, api_root: tg.url });

/** The daemon with Telegram (and permission prompts on), once it is polling: its command menu is set. */
export async function startTelegramDaemon(tg: FakeTelegramBotApi, o: StartDaemonOptions): Promise<DaemonHandle> {
  const d = await startDaemon({ claudeArgs: ['--permission-mode', 'default'], ...o, config: { telegram: telegramConfig(tg), ...o.config } });
  await waitFor(() => tg.commands.length > 0, { message: 'setMyCommands at start' });
  return d;
}
