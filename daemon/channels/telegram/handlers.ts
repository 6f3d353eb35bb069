import { isAbsolute, join } from 'node:path';
import type { Message } from 'grammy/types';
import { COMMAND_HELP, parseCommand, type ChannelCommand } from '../../commands/parse.js';
import type { Commands } from '../../commands/types.js';
import { CommandError } from '../../errors.js';
import type { Origin, SessionInfo } from '../../events/types.js';
import type { Logger } from '../../logger.js';
import { encodeCallback } from './callback-data.js';
import { escapeHtml } from './format.js';
import { renderHelp, renderOutput, renderScreenCaption, renderSessionList, renderStatus, shortPath, topicName } from './render.js';
import type { Threads } from './threads.js';
import type { LiveStream } from './stream.js';
import type { StreamMode } from './stream-render.js';
import type { Turn } from './turn.js';
import type { Team } from './team.js';
import { isAlwaysAllow, type Action } from './roles.js';
import type { Keyboard } from './types.js';

export interface HandlerDeps {
  commands: Commands;
  threads: Threads;
  team: Team;
  stream: LiveStream;
  log: Logger;
  /** For `~` in /new and for showing paths. */
  home: string;
}

/** Where a text came from and what it is attached to. */
export interface TextContext {
  origin: Origin;
  /** The person's message, to reply to. */
  messageId: number;
  /** The session of the thread or topic the text was sent in, or forced by a "which session?" tap. */
  session: string | null;
  /** Set when the text replies to a message that belongs to no session. */
  strayReply: boolean;
  /** The key of the bot message it replies to (e.g. `req:<id>`), if any. */
  replyKey: string | null;
}

const DEFAULT_OUTPUT_LINES = 30;

/** A person's text → commands. Replies are queued on the turn, in the session's thread where there is one. */
export class MessageHandler {
  readonly #d: HandlerDeps;

  constructor(deps: HandlerDeps) {
    this.#d = deps;
  }

  async handleText(text: string, c: TextContext, turn: Turn): Promise<void> {
    const parsed = parseCommand(text);
    try {
      if (parsed === null) await this.#input(text, c, turn);
      else if (!parsed.ok) this.reply(turn, c, `⚠️ ${escapeHtml(parsed.error)}`);
      else await this.#command(parsed.command, text, c, turn);
    } catch (err) {
      this.replyError(turn, c, err);
    }
  }

  /**
   * Text that is never a command, built for the person from what they sent (a file's path and caption, a
   * transcript): typed into the session like a reply, or the answer when it replies to a request.
   */
  async handleInput(text: string, c: TextContext, turn: Turn): Promise<void> {
    try {
      await this.typeOrAnswer(text, c, turn);
    } catch (err) {
      this.replyError(turn, c, err);
    }
  }

  /** handleInput that throws instead of replying, for callers that say more about a failure. */
  typeOrAnswer(text: string, c: TextContext, turn: Turn): Promise<void> {
    return this.#input(text, c, turn);
  }

  /**
   * The session a photo, file or voice note is for, before anything is fetched: the thread's, else the
   * only live one. With several and no thread there is nothing to remember a file by, so the person is
   * asked to send it in the session's thread.
   */
  sessionFor(c: TextContext): { session: string } | { error: string } {
    if (c.strayReply && !c.session) return { error: 'That message belongs to no session I know, so nothing was saved or typed. Send it as a reply to a message of a session, or see /list.' };
    const target = this.#resolve(undefined, c);
    if ('ask' in target) return { error: 'Several sessions are running: send it as a reply to a message of the session it is for (or in its topic). Nothing was saved or typed.' };
    return target;
  }

  /** Stickers, videos and the like: said plainly, nothing typed. */
  unsupported(c: TextContext, turn: Turn): void {
    this.reply(turn, c, '📎 Videos, stickers and animations are not supported: send text, a photo, a file or a voice message. Nothing was typed.');
  }

  /** A refusal of the person's role, said politely; nothing was done. */
  refuse(turn: Turn, c: Pick<TextContext, 'session' | 'messageId'>, reason: string): void {
    this.reply(turn, c, `🔒 ${escapeHtml(reason)}`);
  }

  /** Checks the person's role; refuses (and returns false) when the action is not theirs. */
  #permit(turn: Turn, c: TextContext, action: Action, o?: Parameters<Team['check']>[2]): boolean {
    const verdict = this.#d.team.check(c.origin, action, o);
    if (verdict.ok) return true;
    this.refuse(turn, c, verdict.reason);
    return false;
  }

  reply(turn: Turn, c: Pick<TextContext, 'session' | 'messageId'>, html: string, keyboard?: Keyboard): void {
    turn.send({ op: 'send', session: c.session, html, replyTo: c.messageId, ...(keyboard ? { keyboard } : {}) });
  }

  replyError(turn: Turn, c: Pick<TextContext, 'session' | 'messageId'>, err: unknown): void {
    this.reply(turn, c, this.errorHtml(err));
  }

  /** What a failure says in the chat: a command's own words, or (logged) what went wrong. */
  errorHtml(err: unknown): string {
    if (err instanceof CommandError) return `⚠️ ${escapeHtml(err.message)}`;
    this.#d.log.error({ err }, 'telegram: a command failed unexpectedly');
    return `⚠️ That failed: ${escapeHtml(err instanceof Error ? err.message : String(err))}`;
  }

  async #input(text: string, c: TextContext, turn: Turn): Promise<void> {
    const { commands, threads } = this.#d;
    if (c.replyKey?.startsWith('req:') && c.session) return this.#answerByText(text, c.replyKey.slice(4), c, turn);
    if (!this.#permit(turn, c, 'type')) return;
    if (c.strayReply && !c.session) {
      this.reply(turn, c, 'That message belongs to no session I know, so nothing was typed. Reply to a message of a session, or see /list.');
      return;
    }
    const target = this.#resolve(undefined, c);
    if ('error' in target) return this.reply(turn, c, target.error);
    if ('ask' in target) return this.askWhich(text, target.ask, c, turn);
    const session = target.session;
    turn.write(() => threads.recordMessage(c.messageId, session, null));
    turn.beforeEffect();
    // Keyed by the person's message: typed exactly once, even when a crash makes us handle it again. Message
    // ids count per chat, so after a change of chat_id a new message can reuse an old id: the chat is in the key.
    const r = await commands.sendInput(session, text, c.origin, { key: inputKey(threads.chat, c.messageId) });
    if (r.delivered) turn.send({ op: 'react', session, messageId: c.messageId, emoji: '👍', fallback: `✓ typed into ${session}` });
    else this.reply(turn, { ...c, session }, `⚠️ Typed into ${session}, but Claude Code did not confirm it. Check with /output ${session}.`);
  }

  /** A text reply to a request's message: the reason for a denial, or a free-text answer. */
  async #answerByText(text: string, requestId: string, c: TextContext, turn: Turn): Promise<void> {
    const session = c.session!;
    const request = this.#d.threads.request(requestId);
    if (!request || request.resolved !== null) {
      this.reply(turn, c, `That request was already resolved, so nothing was sent. To type into ${session}, reply to another of its messages.`);
      return;
    }
    const always = request.kind !== 'permission' && isAlwaysAllow(text, request.options);
    if (!this.#permit(turn, c, always ? 'always_allow' : 'answer')) return;
    turn.beforeEffect();
    const input = request.kind === 'permission' ? { request_id: requestId, choice: 'deny', message: text } : { request_id: requestId, choice: text };
    await this.#d.commands.answer(session, input, c.origin);
    turn.send({ op: 'react', session, messageId: c.messageId, emoji: '👍', fallback: `✓ answered ${session}` });
  }

  async #command(cmd: ChannelCommand, text: string, c: TextContext, turn: Turn): Promise<void> {
    const { commands } = this.#d;
    switch (cmd.name) {
      case 'help':
        return this.reply(turn, c, renderHelp(COMMAND_HELP));
      case 'list': {
        const { html, keyboard } = renderSessionList(commands.list(), this.#d.home);
        return this.reply(turn, { ...c, session: null }, html, keyboard);
      }
      case 'new': {
        const cwd = this.#expand(cmd.path);
        if (!this.#permit(turn, c, 'new', { cwd })) return;
        turn.beforeEffect();
        const info = await commands.newSession({ cwd }, c.origin);
        const user = c.origin.user;
        if (user) turn.write(() => this.#d.threads.setStarter(info.id, user, info.started_at));
        turn.send({ op: 'react', session: null, messageId: c.messageId, emoji: '👍', fallback: `✓ starting ${info.id}` });
        return;
      }
      default:
        break;
    }
    // Refused before "which session?": a viewer gets the reason at once.
    if ((cmd.name === 'clear' || cmd.name === 'compact') && !this.#permit(turn, c, cmd.name)) return;
    if (cmd.name === 'stream' && cmd.mode !== undefined && !this.#permit(turn, c, 'stream')) return;
    if (cmd.name === 'kill' && this.#d.team.role(c.origin) === 'viewer' && !this.#permit(turn, c, 'kill')) return;
    const target = this.#resolve(cmd.session, c);
    if ('error' in target) return this.reply(turn, c, target.error);
    if ('ask' in target) return this.askWhich(text, target.ask, c, turn);
    const session = target.session;
    const here = { ...c, session };
    switch (cmd.name) {
      case 'status': {
        const info = commands.get(session);
        const screen = info.status === 'dead' ? null : await commands.output(session, 10).catch(() => null);
        for (const html of renderStatus(info, screen, this.#d.home)) this.reply(turn, here, html);
        return;
      }
      case 'output': {
        const lines = cmd.lines ?? DEFAULT_OUTPUT_LINES;
        const { html, keyboard } = renderOutput(session, await commands.output(session, lines), lines);
        return this.reply(turn, here, html, keyboard);
      }
      case 'screenshot':
        commands.get(session);
        return this.sendScreen(turn, here, session);
      case 'clear':
      case 'compact': {
        turn.beforeEffect();
        await commands.sendInput(session, `/${cmd.name}`, c.origin);
        turn.send({ op: 'react', session, messageId: c.messageId, emoji: '👍', fallback: `✓ /${cmd.name} sent to ${session}` });
        return;
      }
      case 'stream': {
        commands.get(session);
        const live = this.#d.stream;
        if (cmd.mode !== undefined) {
          const fallback: StreamMode = live.defaultMode === 'off' ? 'messages' : live.defaultMode;
          const mode: StreamMode = cmd.mode === 'on' ? fallback : cmd.mode;
          turn.write(() => live.setMode(session, mode));
          return this.reply(turn, here, mode === 'off' ? `🔇 Live output of <b>${session}</b> is off. /stream on ${session} turns it back on.` : `📡 Live output of <b>${session}</b>: ${describeMode(mode)}.`);
        }
        const mode = live.mode(session);
        return this.reply(turn, here, mode === 'off' ? `🔇 Live output of <b>${session}</b> is off: /stream on ${session}` : `📡 Live output of <b>${session}</b>: ${describeMode(mode)}. /stream off ${session} stops it.`);
      }
      case 'kill': {
        const info = commands.get(session);
        if (!this.#permit(turn, here, 'kill', { session: info })) return;
        const keyboard = [[
          { text: `🛑 Stop ${session}`, data: encodeCallback({ type: 'kill', session }) },
          { text: 'Cancel', data: encodeCallback({ type: 'cancel' }) },
        ]];
        return this.reply(turn, here, `Stop session <b>${session}</b> in <code>${escapeHtml(shortPath(info.cwd, this.#d.home))}</code>? Claude Code in it will be ended.`, keyboard);
      }
    }
  }

  /** The screen as an image, drawn when the message goes out (see the photo op). */
  sendScreen(turn: Turn, c: Pick<TextContext, 'session' | 'messageId' | 'origin'>, session: string): void {
    turn.send({ op: 'photo', session: c.session, of: session, caption: renderScreenCaption(session), replyTo: c.messageId, by: c.origin });
  }

  /** Remembers the text and asks which session it is for; the tap runs it (see callbacks). */
  askWhich(text: string, sessions: SessionInfo[], c: Pick<TextContext, 'messageId'>, turn: Turn): void {
    const id = this.#d.threads.saveChoice(text);
    const keyboard = sessions.map((s) => [{ text: topicName(s.id, s.cwd), data: encodeCallback({ type: 'pick', choice: id, session: s.id }) }]);
    this.reply(turn, { session: null, messageId: c.messageId }, 'Which session is this for?', keyboard);
  }

  /** The explicit id, else the thread's session, else the only live one; several → ask. */
  #resolve(explicit: string | undefined, c: TextContext): { session: string } | { ask: SessionInfo[] } | { error: string } {
    if (explicit) return { session: explicit };
    if (c.session) return { session: c.session };
    const live = this.#d.commands.list().filter((s) => s.status !== 'dead');
    if (live.length === 1) return { session: live[0]!.id };
    if (live.length === 0) return { error: 'No session is running. Start one with /new &lt;path&gt;.' };
    return { ask: live };
  }

  #expand(path: string): string {
    const home = this.#d.home;
    if (path === '~') return home;
    if (path.startsWith('~/')) return join(home, path.slice(2));
    return isAbsolute(path) ? path : join(home, path);
  }
}

function describeMode(mode: Exclude<StreamMode, 'off'>): string {
  if (mode === 'messages') return "Claude's messages";
  if (mode === 'tools') return "Claude's messages and one line per tool call";
  return "Claude's messages, tool calls and their results in short";
}

/** The idempotency key of a person's text: their message, which Telegram identifies by chat and id. */
export function inputKey(chatId: number, messageId: number): string {
  return `telegram:${chatId}:${messageId}`;
}
