import { COMMAND_HELP, type ChannelCommand, type StreamSetting } from '../../commands/parse.js';
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
import { IncomingRouter, type Guard, type Handled, type IncomingText } from '../../conversation/incoming.js';
import type { Keyboard } from './types.js';

export interface HandlerDeps {
  router: IncomingRouter;
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

/** Everything but /stream is the core's; Telegram has buttons, so /kill asks first and a reply to a permission is a reason to deny. */
const PROFILE = { buttons: true, signature: false, commands: new Set(COMMAND_HELP.map((c) => c.command as ChannelCommand['name'])), outputLines: 30, statusLines: 10 } as const;

/** The chat's incoming router (conversation/incoming.ts), shared by texts and taps. */
export function telegramRouter(commands: Commands, home: string): IncomingRouter {
  return new IncomingRouter(commands, { ...PROFILE, home });
}

/**
 * A person's text → the incoming router (conversation/incoming.ts) → what it did, rendered. Replies are
 * queued on the turn, in the session's thread where there is one.
 */
export class MessageHandler {
  readonly #d: HandlerDeps;
  readonly #router: IncomingRouter;

  constructor(deps: HandlerDeps) {
    this.#d = deps;
    this.#router = deps.router;
  }

  async handleText(text: string, c: TextContext, turn: Turn): Promise<void> {
    try {
      this.#show(await this.#router.text(this.#incoming(text, c), this.#guard(c, turn)), text, c, turn);
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

  /** handleInput that throws a command's failure instead of replying, for callers that say more about it. */
  async typeOrAnswer(text: string, c: TextContext, turn: Turn): Promise<void> {
    this.#show(await this.#router.input(this.#incoming(text, c), this.#guard(c, turn)), text, c, turn);
  }

  /**
   * The session a photo, file or voice note is for, before anything is fetched: the thread's, else the
   * only live one. With several and no thread there is nothing to remember a file by, so the person is
   * asked to send it in the session's thread.
   */
  sessionFor(c: TextContext): { session: string } | { error: string } {
    if (c.strayReply && !c.session) return { error: 'That message belongs to no session I know, so nothing was saved or typed. Send it as a reply to a message of a session, or see /list.' };
    if (c.session) return { session: c.session };
    const target = this.#router.onlyLive();
    if ('info' in target) return { session: target.info.id };
    if (target.kind === 'which') return { error: 'Several sessions are running: send it as a reply to a message of the session it is for (or in its topic). Nothing was saved or typed.' };
    return { error: NONE_RUNNING };
  }

  /** Stickers, videos and the like: said plainly, nothing typed. */
  unsupported(c: TextContext, turn: Turn): void {
    this.reply(turn, c, '📎 Videos, stickers and animations are not supported: send text, a photo, a file or a voice message. Nothing was typed.');
  }

  /** A refusal of the person's role, said politely; nothing was done. */
  refuse(turn: Turn, c: Pick<TextContext, 'session' | 'messageId'>, reason: string): void {
    this.reply(turn, c, `🔒 ${escapeHtml(reason)}`);
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

  #incoming(text: string, c: TextContext): IncomingText {
    const answering = c.replyKey?.startsWith('req:') ? c.replyKey.slice(4) : null;
    // Message ids count per chat, so after a change of chat_id a new message can reuse an old id: the chat is in the key.
    return { text, origin: c.origin, session: c.session, answering, stray: c.strayReply, key: inputKey(this.#d.threads.chat, c.messageId) };
  }

  #guard(c: TextContext, turn: Turn): Guard {
    return {
      ...this.guard(turn),
      target: (session) => turn.write(() => this.#d.threads.recordMessage(c.messageId, session, null)),
    };
  }

  /** What the router may do for a person of this chat: what their role allows, recorded as the update's effect. */
  guard(turn: Turn): Guard {
    return { permit: (origin, action, o) => this.#d.team.check(origin, action, o), beforeEffect: () => turn.beforeEffect() };
  }

  /** What the router did, said in the chat: in the session's thread, as a reply to the person's message. */
  #show(h: Handled, text: string, c: TextContext, turn: Turn): void {
    const done = (session: string | null, fallback: string): void => turn.send({ op: 'react', session, messageId: c.messageId, emoji: '👍', fallback });
    const here = (session: string): TextContext => ({ ...c, session });
    switch (h.kind) {
      case 'bad_command': return this.reply(turn, c, `⚠️ ${escapeHtml(h.error)}`);
      case 'unsupported': return this.reply(turn, c, `⚠️ /${h.command} is not available here.`);
      case 'refused': return this.refuse(turn, c, h.reason);
      case 'stray': return this.reply(turn, c, 'That message belongs to no session I know, so nothing was typed. Reply to a message of a session, or see /list.');
      case 'none_running': return this.reply(turn, c, NONE_RUNNING);
      case 'which': return this.askWhich(text, h.sessions, c, turn);
      case 'unknown_session': return this.reply(turn, c, `⚠️ Session ${escapeHtml(h.session)} is no longer known to csm, so nothing was typed. See /list.`);
      case 'ended': {
        const exit = h.info.exit_code !== null && h.info.exit_code !== undefined ? ` (exit code ${h.info.exit_code})` : '';
        return this.reply(turn, c, `⚠️ Session ${escapeHtml(h.info.id)} has ended${exit}, so nothing was typed. Start a new one with /new ${escapeHtml(shortPath(h.info.cwd, this.#d.home))}`);
      }
      case 'empty': return this.reply(turn, c, 'Nothing to type.');
      case 'stale': return this.reply(turn, c, `That request was already resolved, so nothing was sent. To type into ${h.session}, reply to another of its messages.`);
      case 'not_an_answer': return this.reply(turn, here(h.session), `Session ${h.session} waits for an answer to "${escapeHtml(h.request.title)}": use its buttons. Nothing was typed.`);
      case 'typed':
        if (h.delivered) return done(h.session, `✓ typed into ${h.session}`);
        return this.reply(turn, here(h.session), `⚠️ Typed into ${h.session}, but Claude Code did not confirm it. Check with /output ${h.session}.`);
      case 'answered': return done(h.session, `✓ answered ${h.session}`);
      case 'help': return this.reply(turn, c, renderHelp(COMMAND_HELP));
      case 'list': {
        const { html, keyboard } = renderSessionList(h.sessions, this.#d.home);
        return this.reply(turn, { ...c, session: null }, html, keyboard);
      }
      case 'started': {
        const user = c.origin.user;
        if (user) turn.write(() => this.#d.threads.setStarter(h.info.id, user, h.info.started_at));
        return done(null, `✓ starting ${h.info.id}`);
      }
      case 'status':
        for (const html of renderStatus(h.info, h.screen, this.#d.home)) this.reply(turn, here(h.info.id), html);
        return;
      case 'output': {
        const { html, keyboard } = renderOutput(h.session, h.screen, h.lines);
        return this.reply(turn, here(h.session), html, keyboard);
      }
      case 'screenshot': return this.sendScreen(turn, here(h.session), h.session);
      case 'sent': return done(h.session, `✓ /${h.command} sent to ${h.session}`);
      case 'stream': return this.#stream(h.session, h.mode, here(h.session), turn);
      case 'confirm_kill': {
        const session = h.info.id;
        const keyboard = [[
          { text: `🛑 Stop ${session}`, data: encodeCallback({ type: 'kill', session }) },
          { text: 'Cancel', data: encodeCallback({ type: 'cancel' }) },
        ]];
        return this.reply(turn, here(session), `Stop session <b>${session}</b> in <code>${escapeHtml(shortPath(h.info.cwd, this.#d.home))}</code>? Claude Code in it will be ended.`, keyboard);
      }
      case 'killed': return done(h.session, `✓ stopped ${h.session}`);
      case 'pressed': return done(h.session, `✓ pressed ${h.pressed.join(' ')} in ${h.session}`);
    }
  }

  /** /stream: live output is this channel's own, kept per session. */
  #stream(session: string, setting: StreamSetting | undefined, here: TextContext, turn: Turn): void {
    const live = this.#d.stream;
    if (setting !== undefined) {
      const fallback: StreamMode = live.defaultMode === 'off' ? 'messages' : live.defaultMode;
      const mode: StreamMode = setting === 'on' ? fallback : setting;
      turn.write(() => live.setMode(session, mode));
      return this.reply(turn, here, mode === 'off' ? `🔇 Live output of <b>${session}</b> is off. /stream on ${session} turns it back on.` : `📡 Live output of <b>${session}</b>: ${describeMode(mode)}.`);
    }
    const mode = live.mode(session);
    return this.reply(turn, here, mode === 'off' ? `🔇 Live output of <b>${session}</b> is off: /stream on ${session}` : `📡 Live output of <b>${session}</b>: ${describeMode(mode)}. /stream off ${session} stops it.`);
  }
}

const NONE_RUNNING = 'No session is running. Start one with /new &lt;path&gt;.';

function describeMode(mode: Exclude<StreamMode, 'off'>): string {
  if (mode === 'messages') return "Claude's messages";
  if (mode === 'tools') return "Claude's messages and one line per tool call";
  return "Claude's messages, tool calls and their results in short";
}

/** The idempotency key of a person's text: their message, which Telegram identifies by chat and id. */
export function inputKey(chatId: number, messageId: number): string {
  return `telegram:${chatId}:${messageId}`;
}
