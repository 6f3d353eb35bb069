import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import type { Commands } from '../../commands/types.js';
import { IncomingRouter, type Handled } from '../../conversation/incoming.js';
import { CommandError } from '../../errors.js';
import { PERMISSION_WORDS } from '../../events/choices.js';
import type { Origin } from '../../events/types.js';
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

  readonly #router: IncomingRouter;

  constructor(deps: IncomingDeps) {
    this.#d = deps;
    this.#router = new IncomingRouter(deps.commands, PROFILE);
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
    const incoming = { text, origin, session, answering: answering?.session === session ? answering.request_id : null, stray: false, key };
    return this.#show(await this.#router.text(incoming), session, text);
  }

  /** What the router did, said by mail where it needs saying; the outcome is what the log and mail_handled keep. */
  #show(h: Handled, thread: string, text: string): string {
    const reply = this.#d.reply;
    switch (h.kind) {
      case 'unknown_session':
        reply(thread, 'Unknown session', `Session ${thread} is no longer known to csm; nothing was typed.`);
        return 'unknown session';
      case 'ended':
        reply(thread, 'Session has ended', `Session ${thread} has ended, so your reply was not typed anywhere.\n\nStart a new session with \`csm new <path>\` (or /new in Telegram).`);
        return 'session dead';
      case 'empty':
        reply(thread, 'Empty reply', `Your reply had no text of its own once the quoted mail was removed, so nothing was typed into session ${thread}.`);
        return 'empty';
      case 'bad_command':
        reply(thread, 'Command not understood', h.error);
        return 'bad command';
      case 'unsupported':
        reply(thread, 'Not available by email', `By email a reply understands ${EMAIL_COMMANDS}. /${h.command} works in Telegram and with the csm CLI.`);
        return 'unsupported command';
      case 'stale':
        // A reply to a request mail answers that request; once it is resolved (in the terminal, on Telegram),
        // the reply must not turn into a prompt ("allow" typed to Claude).
        reply(thread, 'Already answered', `The request you replied to was already resolved, so "${text.split('\n')[0]!.slice(0, 80)}" was not typed into session ${thread}. To send Claude a message, reply to another mail of this session.`);
        return 'stale request';
      case 'not_an_answer':
        reply(thread, 'Waiting for a permission answer', `Session ${thread} waits for your answer to "${h.request.title}": reply with ${PERMISSION_WORDS} (and a reason after deny). Nothing was typed.`);
        return 'not an answer';
      case 'answered':
        return h.outcome;
      case 'typed':
        if (h.delivered) return 'typed';
        reply(thread, 'Not confirmed', `Your reply was typed into session ${thread}, but Claude did not confirm it. Check with /output.`);
        return 'typed, unconfirmed';
      case 'status': {
        const s = h.info;
        const lines = [`Session ${s.id}: ${s.status}`, `Folder: ${s.cwd}`, `Started: ${new Date(s.started_at).toISOString()}`];
        if (s.pending) lines.push(`Waiting for: ${s.pending.title}`);
        if (s.last_message) lines.push('', "Claude's last message:", '', s.last_message);
        reply(s.id, `Status: ${s.status}`, lines.join('\n'));
        return 'status sent';
      }
      case 'output':
        reply(h.session, 'Screen', '```\n' + h.screen.replace(/```/g, "'''") + '\n```');
        return 'output sent';
      case 'sent':
        return h.delivered ? `/${h.command} typed` : `/${h.command} unconfirmed`;
      case 'killed':
        reply(h.session, 'Session stopped', `Session ${h.session} was stopped.`);
        return 'killed';
      // A mail thread always names its session, and mail has no roles, buttons or live output: none of these come.
      case 'refused': case 'stray': case 'none_running': case 'which': case 'help': case 'list': case 'started': case 'screenshot': case 'stream': case 'confirm_kill': case 'pressed':
        reply(thread, 'Not done', `That could not be done by email (${h.kind}); nothing was typed.`);
        return h.kind;
    }
  }
}

/** Mail has no buttons, and a signature may follow what the person wrote. */
const PROFILE = { buttons: false, signature: true, commands: new Set(['status', 'output', 'clear', 'compact', 'kill'] as const), outputLines: 40 };

function addresses(from: AddressObject | AddressObject[] | undefined): string[] {
  const list = from === undefined ? [] : Array.isArray(from) ? from : [from];
  // Group syntax nests addresses one level down.
  return list.flatMap((a) => a.value.flatMap((v) => (v.group ? v.group.map((g) => g.address ?? '') : [v.address ?? '']))).filter((a) => a !== '');
}
