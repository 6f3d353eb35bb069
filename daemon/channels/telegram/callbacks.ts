import type { CallbackQuery } from 'grammy/types';
import type { Commands } from '../../commands/types.js';
import { parseCommand } from '../../commands/parse.js';
import { CommandError } from '../../errors.js';
import type { Origin } from '../../events/types.js';
import type { Logger } from '../../logger.js';
import { KEYPAD } from '../../events/keys.js';
import { decodeCallback, encodeCallback, type CallbackAction } from './callback-data.js';
import { escapeHtml } from './format.js';
import type { MessageHandler } from './handlers.js';
import type { MediaHandler } from './media.js';
import { requestKey } from './outgoing.js';
import { keypadRows, renderDecision, renderStatus, requestKeyboard } from './render.js';
import type { Threads } from './threads.js';
import type { Turn } from './turn.js';
import type { Team } from './team.js';
import type { IncomingRouter, Handled } from '../../conversation/incoming.js';
import type { Action } from '../../conversation/roles.js';

export interface CallbackDeps {
  commands: Commands;
  router: IncomingRouter;
  threads: Threads;
  team: Team;
  messages: MessageHandler;
  media: MediaHandler;
  /** answerCallbackQuery, sent at once (Telegram shows a spinner until it comes); failures are only logged. */
  answerCallback: (id: string, text?: string, alert?: boolean) => Promise<void>;
  log: Logger;
  home: string;
}

/** Button taps → commands. Every tap gets an answerCallbackQuery, also when nothing else happens. */
export class CallbackHandler {
  readonly #d: CallbackDeps;

  constructor(deps: CallbackDeps) {
    this.#d = deps;
  }

  async handle(q: CallbackQuery, origin: Origin, turn: Turn): Promise<void> {
    const action = decodeCallback(q.data ?? '');
    const messageId = q.message?.message_id;
    if (!action || messageId === undefined) return this.#d.answerCallback(q.id, 'This button no longer works.');
    try {
      await this.#act(action, q, messageId, origin, turn);
    } catch (err) {
      if (!(err instanceof CommandError)) this.#d.log.error({ err }, 'telegram: a button action failed unexpectedly');
      await this.#d.answerCallback(q.id, preview(err instanceof Error ? err.message : String(err)), true);
    }
  }

  /** The person's role allows it, or the tap is answered with the reason (an alert) and changes nothing. */
  async #permit(q: CallbackQuery, origin: Origin, action: Action, o?: Parameters<Team['check']>[2]): Promise<boolean> {
    const verdict = this.#d.team.check(origin, action, o);
    if (verdict.ok) return true;
    await this.#d.answerCallback(q.id, preview(`🔒 ${verdict.reason}`), true);
    return false;
  }

  async #act(a: CallbackAction, q: CallbackQuery, messageId: number, origin: Origin, turn: Turn): Promise<void> {
    const { commands, threads } = this.#d;
    switch (a.type) {
      case 'answer': {
        const record = threads.request(a.request);
        // Only buttons we made answer anything, and only for the session whose request they show: data naming
        // another session (a forged or garbled button) would otherwise fail there and close this request on
        // the phone while it still waits in the terminal.
        if (!record) return this.#d.answerCallback(q.id, 'This button no longer works.');
        if (record.session !== a.session) {
          this.#d.log.warn({ request: a.request, session: a.session, owner: record.session }, 'telegram: refused a button naming another session than its request');
          return this.#d.answerCallback(q.id, `This button does not belong to session ${a.session}; nothing was answered. Use the buttons on the request's own message.`, true);
        }
        if (record.resolved) return this.#d.answerCallback(q.id, 'Already resolved.');
        const choice = a.option.startsWith('#') ? record.options[Number(a.option.slice(1))]?.key : a.option;
        if (!choice) return this.#d.answerCallback(q.id, 'This button no longer works.');
        let h: Handled;
        try {
          h = await this.#d.router.choose({ origin, session: a.session, request: a.request, choice }, this.#d.messages.guard(turn));
        } catch (err) {
          if (!(err instanceof CommandError) || (err.code !== 'conflict' && err.code !== 'not_found')) throw err;
          h = { kind: 'stale', session: a.session, text: choice };
        }
        if (h.kind === 'refused') return this.#d.answerCallback(q.id, preview(`🔒 ${h.reason}`), true);
        if (h.kind !== 'answered') {
          // Decided elsewhere while we were not looking (e.g. before a restart): take the stale buttons away.
          this.#closeRequest(a.request, '⌛ Already resolved', turn);
          return this.#d.answerCallback(q.id, 'Already resolved.');
        }
        const outcome = h.outcome;
        // A keypad key leaves the screen's request open: the next screen comes as a new message.
        if (record.kind === 'screen') return this.#d.answerCallback(q.id, preview(capitalize(outcome)));
        // The resolved event normally edits the message; this covers a core that did not emit one.
        this.#closeRequest(a.request, renderDecision(outcome, origin, threads.name(origin.user)), turn);
        return this.#d.answerCallback(q.id, preview(capitalize(outcome)));
      }
      case 'toggle': {
        const record = threads.request(a.request);
        if (!record || record.session !== a.session) return this.#d.answerCallback(q.id, 'This button no longer works.');
        if (record.resolved) return this.#d.answerCallback(q.id, 'Already resolved.');
        if (!(await this.#permit(q, origin, 'answer'))) return;
        const mask = a.mask & ((1 << record.options.length) - 1);
        const keyboard = requestKeyboard(a.session, { request_id: a.request, kind: record.kind, options: record.options, multi_select: true }, mask);
        turn.send({ op: 'edit', session: a.session, key: requestKey(a.request), html: record.html, keyboard });
        return this.#d.answerCallback(q.id, mask === 0 ? 'Nothing ticked yet.' : undefined);
      }
      case 'keypad': {
        const info = commands.get(a.session);
        if (info.status === 'dead') return this.#d.answerCallback(q.id, `Session ${a.session} has ended.`);
        const keyboard = keypadRows(KEYPAD.map((k) => ({ text: k.label, data: encodeCallback({ type: 'key', session: a.session, key: k.key }) })));
        turn.send({ op: 'send', session: a.session, html: `⌨ Keys for <b>${escapeHtml(a.session)}</b>: each tap presses one key in its terminal. /output shows the screen.`, keyboard });
        return this.#d.answerCallback(q.id);
      }
      case 'key': {
        const h = await this.#d.router.press({ origin, session: a.session, keys: [a.key] }, this.#d.messages.guard(turn));
        if (h.kind === 'refused') return this.#d.answerCallback(q.id, preview(`🔒 ${h.reason}`), true);
        if (h.kind === 'ended') return this.#d.answerCallback(q.id, `Session ${a.session} has ended.`);
        if (h.kind !== 'pressed') return this.#d.answerCallback(q.id, 'This button no longer works.');
        return this.#d.answerCallback(q.id, `Pressed ${h.pressed.join(' ')} in ${a.session}.`);
      }
      case 'screenshot': {
        commands.get(a.session);
        this.#d.messages.sendScreen(turn, { session: a.session, messageId, origin }, a.session);
        return this.#d.answerCallback(q.id, `Drawing the screen of ${a.session}…`);
      }
      case 'open': {
        const info = commands.get(a.session);
        const screen = info.status === 'dead' ? null : await commands.output(a.session, 15).catch(() => null);
        for (const html of renderStatus(info, screen, this.#d.home)) turn.send({ op: 'send', session: a.session, html });
        return this.#d.answerCallback(q.id);
      }
      case 'kill': {
        if (!(await this.#permit(q, origin, 'kill', { session: commands.get(a.session) }))) return;
        turn.beforeEffect();
        await commands.kill(a.session, origin);
        turn.send({ op: 'edit', session: null, messageId, html: `🛑 Session <b>${escapeHtml(a.session)}</b> stopped — ${escapeHtml(threads.name(origin.user) ?? 'you')}` });
        return this.#d.answerCallback(q.id, `Stopped ${a.session}.`);
      }
      case 'cancel':
        turn.send({ op: 'edit', session: null, messageId, html: 'Cancelled.' });
        return this.#d.answerCallback(q.id);
      case 'voiceSend':
        if (!(await this.#permit(q, origin, 'type'))) return;
        return this.#d.media.onButton({ note: a.note, send: true }, q, messageId, origin, turn);
      case 'voiceCancel':
        return this.#d.media.onButton({ note: a.note, send: false }, q, messageId, origin, turn);
      case 'pick': {
        const choice = threads.choice(a.choice);
        if (!choice || choice.used) return this.#d.answerCallback(q.id, 'Already done.');
        // Text to type, tapped by someone who may not type: refused before the choice is used up, so its author can still pick.
        if (parseCommand(choice.text) === null && !(await this.#permit(q, origin, 'type'))) return;
        turn.write(() => threads.useChoice(a.choice));
        turn.send({ op: 'edit', session: null, messageId, html: `→ <b>${escapeHtml(a.session)}</b>` });
        await this.#d.answerCallback(q.id);
        const replyTo = q.message?.reply_to_message?.message_id ?? messageId;
        await this.#d.messages.handleText(choice.text, { origin, messageId: replyTo, session: a.session, strayReply: false, replyKey: null }, turn);
        return;
      }
    }
  }

  #closeRequest(requestId: string, decision: string, turn: Turn): void {
    const record = this.#d.threads.request(requestId);
    if (!record || record.resolved !== null) return;
    turn.write(() => this.#d.threads.resolveRequest(requestId, decision));
    turn.send({ op: 'edit', session: record.session, key: requestKey(requestId), html: `${record.html}\n\n${decision}` });
  }
}

/** answerCallbackQuery texts are shown in a small toast: at most 200 characters. */
function preview(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
