import { createHash } from 'node:crypto';
import { PERMISSION_WORDS, permissionChoice } from '../../events/choices.js';
import { simpleParser, type AddressObject } from 'mailparser';
import { parseCommand, type ChannelCommand } from '../../commands/parse.js';
import type { Commands } from '../../commands/types.js';
import { CommandError } from '../../errors.js';
import type { Origin, SessionInfo } from '../../events/types.js';
import type { Logger } from '../../logger.js';
import { judgeReply } from './accept.js';
import type { FetchedMail, MailOutcome } from './inbox.js';
import { replyText } from './reply-text.js';
import type { MailThreads } from './threads.js';

export interface IncomingDeps {
  owner: string;
  threads: MailThreads;
  commands: Commands;
  /** Queues a mail to the owner in the session's thread. */
  reply: (session: string, subject: string, body: string) => void;
  log: Logger;
}

const EMAIL_COMMANDS = '/status, /output [N], /clear, /compact and /kill';

/**
 * A mail from the inbox → at most one command. Only the owner's replies to our own mails are acted on
 * (accept.ts); the rest is logged and left unread. A reply is typed under its Message-ID as idempotency key,
 * so a mail fetched again after a crash is never typed twice.
 */
export class MailIncoming {
  readonly #d: IncomingDeps;

  constructor(deps: IncomingDeps) {
    this.#d = deps;
  }

  async handle(mail: FetchedMail): Promise<MailOutcome> {
    const { threads, log } = this.#d;
    const parsed = await simpleParser(mail.source);
    const messageId = parsed.messageId ?? `<sha256.${createHash('sha256').update(mail.source).digest('hex')}@no-message-id>`;
    if (threads.isHandled(messageId)) return { seen: true };

    const from = addresses(parsed.from);
    const verdict = judgeReply(
      { from, inReplyTo: parsed.inReplyTo ?? null, references: [parsed.references ?? []].flat(), subject: parsed.subject ?? '', text: parsed.text ?? '' },
      this.#d.owner,
      threads,
    );
    if (!verdict.ok) {
      log.warn({ uid: mail.uid, from, subject: parsed.subject, reason: verdict.reason }, 'email: mail ignored, left unread');
      return { seen: false };
    }
    const session = verdict.session;
    const text = replyText(parsed.text ?? '');
    const origin: Origin = { channel: 'email', user: from[0]! };
    let outcome: string;
    try {
      outcome = await this.#act(session, text, origin, `email:${messageId}`, threads.requestOf(parsed.inReplyTo ?? null));
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      outcome = `refused: ${err.message}`;
      this.#d.reply(session, 'Not done', `${err.message}`);
    }
    threads.markHandled(messageId, session, outcome);
    log.info({ session, uid: mail.uid, via: verdict.via, outcome }, 'email: reply handled');
    return { seen: true };
  }

  async #act(session: string, text: string, origin: Origin, key: string, answering: { session: string; request_id: string } | null): Promise<string> {
    const { commands, reply } = this.#d;
    let info: SessionInfo;
    try {
      info = commands.get(session);
    } catch {
      reply(session, 'Unknown session', `Session ${session} is no longer known to csm; nothing was typed.`);
      return 'unknown session';
    }
    if (info.status === 'dead') {
      reply(session, 'Session has ended', `Session ${session} has ended, so your reply was not typed anywhere.\n\nStart a new session with \`csm new <path>\` (or /new in Telegram).`);
      return 'session dead';
    }
    if (text === '') {
      reply(session, 'Empty reply', `Your reply had no text of its own once the quoted mail was removed, so nothing was typed into session ${session}.`);
      return 'empty';
    }

    if (text.startsWith('/')) {
      const firstLine = text.split('\n')[0]!;
      const parsed = parseCommand(firstLine);
      if (parsed && !parsed.ok) {
        reply(session, 'Command not understood', parsed.error);
        return 'bad command';
      }
      if (parsed?.ok) return this.#command(session, parsed.command, origin);
    }

    const pending = info.pending;
    // A reply to a request mail answers that request; once it is resolved (in the terminal, on Telegram),
    // the reply must not turn into a prompt ("allow" typed to Claude).
    if (answering && answering.session === session && pending?.request_id !== answering.request_id) {
      reply(session, 'Already answered', `The request you replied to was already resolved, so "${text.split('\n')[0]!.slice(0, 80)}" was not typed into session ${session}. To send Claude a message, reply to another mail of this session.`);
      return 'stale request';
    }
    if (pending?.kind === 'permission') {
      const [word = '', ...rest] = text.split(/\s+/);
      const choice = permissionChoice(word);
      if (!choice) {
        reply(session, 'Waiting for a permission answer', `Session ${session} waits for your answer to "${pending.title}": reply with ${PERMISSION_WORDS} (and a reason after deny). Nothing was typed.`);
        return 'not an answer';
      }
      const message = rest.join(' ').trim();
      const r = await commands.answer(session, { request_id: pending.request_id, choice, ...(choice === 'deny' && message ? { message } : {}) }, origin);
      return r.outcome;
    }
    if (pending?.kind === 'dialog') {
      const r = await commands.answer(session, { request_id: pending.request_id, choice: text.split('\n')[0]!.trim() }, origin);
      return r.outcome;
    }
    // A question (ask_user) takes the text as its answer; otherwise it is typed as a prompt.
    const r = await commands.sendInput(session, text, origin, { key });
    if (!r.delivered) {
      reply(session, 'Not confirmed', `Your reply was typed into session ${session}, but Claude did not confirm it. Check with /output.`);
      return 'typed, unconfirmed';
    }
    return 'typed';
  }

  async #command(thread: string, cmd: ChannelCommand, origin: Origin): Promise<string> {
    const { commands, reply } = this.#d;
    const target = 'session' in cmd && cmd.session ? cmd.session : thread;
    switch (cmd.name) {
      case 'status': {
        const s = commands.get(target);
        const lines = [`Session ${s.id}: ${s.status}`, `Folder: ${s.cwd}`, `Started: ${new Date(s.started_at).toISOString()}`];
        if (s.pending) lines.push(`Waiting for: ${s.pending.title}`);
        if (s.last_message) lines.push('', "Claude's last message:", '', s.last_message);
        reply(target, `Status: ${s.status}`, lines.join('\n'));
        return 'status sent';
      }
      case 'output': {
        const out = await commands.output(target, cmd.lines ?? 40);
        reply(target, 'Screen', '```\n' + out.replace(/```/g, "'''") + '\n```');
        return 'output sent';
      }
      case 'clear':
      case 'compact': {
        const r = await commands.sendInput(target, `/${cmd.name}`, origin);
        return r.delivered ? `/${cmd.name} typed` : `/${cmd.name} unconfirmed`;
      }
      case 'kill':
        await commands.kill(target, origin);
        reply(target, 'Session stopped', `Session ${target} was stopped.`);
        return 'killed';
      default:
        reply(thread, 'Not available by email', `By email a reply understands ${EMAIL_COMMANDS}. /${cmd.name} works in Telegram and with the csm CLI.`);
        return 'unsupported command';
    }
  }
}

function addresses(from: AddressObject | AddressObject[] | undefined): string[] {
  const list = from === undefined ? [] : Array.isArray(from) ? from : [from];
  // Group syntax nests addresses one level down.
  return list.flatMap((a) => a.value.flatMap((v) => (v.group ? v.group.map((g) => g.address ?? '') : [v.address ?? '']))).filter((a) => a !== '');
}
