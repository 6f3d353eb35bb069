import { randomBytes } from 'node:crypto';
import { CommandError } from '../errors.js';
import type { Origin, SessionInfo } from '../events/types.js';
import type { InputTyper } from '../sessions/input.js';
import type { InputLedger } from '../sessions/input-ledger.js';
import { validateInputText } from '../sessions/input-text.js';
import { alwaysPermissions, newRequestId, pickOption, screenOptions } from '../sessions/pending.js';
import type { ScreenWatch } from '../sessions/screen-watch.js';
import type { PaneImages } from '../sessions/pane-images.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { setTimeout as delay } from 'node:timers/promises';
import { keysToChoose } from '../screen/classify.js';
import { answerQuestionOnScreen } from '../sessions/screen-answer.js';
import { permissionChoice } from '../events/choices.js';
import { keyName, parseKeys, tmuxKey, type KeyName } from '../events/keys.js';
import type { SessionRecord } from '../sessions/session-store.js';
import type { TmuxClient } from '../tmux/tmux-client.js';
import { saveToInbox } from '../sessions/inbox.js';
import type { PaneStreams } from '../sessions/pane-stream.js';
import { validateTerminalInput } from '../sessions/terminal-input.js';
import { answerFromChoice, answeredInput, questionRequest } from '../sessions/questions.js';
import type { AskInput, AskResult, Commands, NotifyInput } from './types.js';

export interface CommandDeps {
  manager: SessionManager;
  typer: InputTyper;
  screens: ScreenWatch;
  ledger: InputLedger;
  panes: PaneStreams;
  images: PaneImages;
  /** Test instrumentation (CSM_TEST_CRASH_AT): called at the named step of typing a keyed input. */
  fault?: (step: 'before-type', text: string) => void;
  /** The conversation channels, primary first ('telegram', 'email'): where notify and ask_user may go. */
  channels: () => string[];
}

/** Between two keys pressed for an answer: long enough for the program to read them apart. */
const KEY_GAP_MS = 40;

const DEFAULT_ASK_SECONDS = 600;
/** How long the first input of a new session waits for Claude Code to connect our MCP server. */
const MCP_WAIT_MS = 10_000;

/**
 * Presses keys one at a time. Keys sent in one burst reach the program as one read, and Claude Code 2.1.197
 * then takes "Down Enter" as Enter alone: the answer would be the option under the cursor, not the chosen one.
 */
async function pressOneByOne(tmux: TmuxClient, pane: string, keys: readonly string[]): Promise<void> {
  for (const [i, key] of keys.entries()) {
    if (i > 0) await delay(KEY_GAP_MS);
    await tmux.sendKeys(pane, [key]);
  }
}

/** The command layer: the only way channels, the API and the CLI drive sessions. */
export function createCommands(d: CommandDeps): Commands {
  const m = d.manager;
  const info = (id: string): SessionInfo => m.info(m.get(id));

  const typeNew = async (id: string, key: string, text: string): Promise<{ delivered: boolean }> => {
    d.ledger.begin(key, id, text, m.now());
    d.fault?.('before-type', text);
    try {
      return await d.typer.type(m.get(id), text);
    } catch (err) {
      // Refused before a keystroke (foreign text in the box, the pane gone): an API caller sees the error.
      if (key.startsWith('api:')) d.ledger.dropped(key);
      throw err;
    }
  };

  const pressKeys = async (s: SessionRecord, keys: KeyName[], origin: Origin): Promise<void> => {
    const pane = await d.typer.verifiedPane(s);
    d.screens.notePressed(s.id, origin);
    await pressOneByOne(m.tmuxFor(s), pane, keys.map(tmuxKey));
  };

  /**
   * A screen nobody recognises: a keypad key is pressed; anything else is typed, then Enter. The request
   * stays until the screen changes (the screen watch shows the new one, or sees it has moved on).
   */
  const answerScreen = async (s: SessionRecord, choice: string, origin: Origin): Promise<{ outcome: string }> => {
    const key = keyName(choice);
    if (key) {
      await pressKeys(s, [key], origin);
      return { outcome: `pressed ${key}` };
    }
    const checked = validateInputText(choice);
    if (!checked.ok) throw new CommandError('bad_request', checked.reason);
    const pane = await d.typer.verifiedPane(s);
    d.screens.notePressed(s.id, origin);
    await m.tmuxFor(s).sendLiteral(pane, checked.text);
    await m.tmuxFor(s).sendKeys(pane, ['Enter']);
    return { outcome: `typed: ${checked.text}` };
  };

  const commands: Commands = {
    async newSession({ cwd, args }) {
      return m.info(await m.create(cwd, args ?? []));
    },

    list: () => m.list().map((s) => m.info(s)),

    get: info,

    async output(id, lines = 50) {
      const s = m.get(id);
      if (s.status === 'dead') throw new CommandError('conflict', `Session ${s.id} has ended; its screen is gone. Its log is at ${s.log_file}.`);
      const n = Math.max(1, Math.min(2000, Math.floor(lines)));
      const screen = await m.tmuxFor(s).capturePane(s.pane_id, n);
      const all = screen.replace(/\s+$/, '').split('\n').map((l) => l.trimEnd());
      return all.slice(-n).join('\n');
    },

    screenshot: (id) => d.images.image(m.get(id)),

    async sendInput(id, raw, origin, options) {
      const checked = validateInputText(raw);
      if (!checked.ok) throw new CommandError('bad_request', checked.reason);
      const text = checked.text;
      const s = m.getLive(id);
      const entry = m.pending(s.id);
      // A question takes words as its answer; a screen nobody recognises takes them as typing.
      if (entry?.request.kind === 'question' || entry?.request.kind === 'screen') {
        await commands.answer(s.id, { request_id: entry.request.request_id, choice: text }, origin);
        return { delivered: true };
      }
      if (entry) {
        throw new CommandError(
          'conflict',
          `Session ${s.id} is waiting on a ${entry.request.kind === 'permission' ? 'permission' : 'dialog'} ("${entry.request.title}"): answer it first (options: ${entry.request.options.map((o) => o.key).join(', ')}). Nothing was typed.`,
        );
      }
      // A new session's first prompt waits for our MCP server (see SessionManager.mcpReady); after that, never.
      await m.mcpReady(s.id, MCP_WAIT_MS);
      // API inputs get a key of their own, so that the restart check knows their text in an input box.
      const key = options?.key ?? `api:${randomBytes(8).toString('hex')}`;
      const seen = d.ledger.get(key);
      if (seen?.state === 'delivered') return { delivered: true };
      // Typed before a crash, not confirmed: finish it (Enter, or nothing if Claude already has it).
      const r = seen ? await d.typer.resume(s, text, seen.at) : await typeNew(s.id, key, text);
      if (r.delivered) d.ledger.delivered(key);
      return checked.normalized ? { ...r, note: 'CRLF and CR line ends were typed as LF (a CR would have submitted the text early).' } : r;
    },

    async answer(id, input, origin) {
      const s = m.getLive(id);
      const entry = m.pending(s.id);
      if (!entry || (input.request_id && entry.request.request_id !== input.request_id)) {
        throw new CommandError('conflict', `That request of session ${s.id} was already resolved; nothing was sent.`);
      }
      const { request, source } = entry;
      const choice = input.choice.trim();
      if (choice === '') throw new CommandError('bad_request', 'choice is empty: give allow, allow_always, deny, or an option number or label.');

      if (source.type === 'ask') {
        const byKey = request.options.find((o) => o.key === choice || o.label.toLowerCase() === choice.toLowerCase());
        const answer = byKey ? byKey.label : input.choice;
        source.respond({ answered: true, answer, channel: origin.channel });
        m.resolvePending(s.id, request.request_id, `answered: ${answer}`, origin, 'running');
        return { outcome: `answered: ${answer}` };
      }

      if (source.type === 'hook' && source.questions) {
        const flow = source.questions;
        const parsed = answerFromChoice(request, input.choice);
        if ('error' in parsed) throw new CommandError('bad_request', parsed.error);
        const step = request.step ?? { index: 0, count: 1, header: '' };
        flow.answers[flow.questions[step.index]!.question] = parsed.answer;
        const outcome = `answered: ${parsed.answer}`;
        if (step.index + 1 < flow.questions.length) {
          m.nextStep(s.id, request.request_id, outcome, origin, questionRequest(flow.questions, step.index + 1, newRequestId(), m.now()));
          return { outcome };
        }
        source.respond({ behavior: 'allow', updatedInput: answeredInput(flow.input, flow.answers) });
        m.resolvePending(s.id, request.request_id, outcome, origin, 'running');
        return { outcome };
      }

      if (source.type === 'hook') {
        const c = permissionChoice(choice);
        let decision;
        if (c === 'allow') decision = { behavior: 'allow' as const };
        else if (c === 'allow_always') {
          if (source.suggestions.length === 0) throw new CommandError('bad_request', 'This request offers no "always allow": choose allow or deny.');
          decision = { behavior: 'allow' as const, updatedPermissions: alwaysPermissions(source.suggestions) };
        } else if (c === 'deny') {
          decision = { behavior: 'deny' as const, message: input.message?.trim() || `Denied by the owner (${origin.channel}).` };
        } else throw new CommandError('bad_request', `"${input.choice}" is not an answer to a permission request: use allow, allow_always or deny.`);
        const outcome = decision.behavior === 'deny' ? `denied${input.message ? `: ${input.message}` : ''}` : c === 'allow_always' ? 'always allowed' : 'allowed';
        // Respond before resolving, so the hook carries the decision rather than the release's "no decision".
        source.respond(decision);
        m.resolvePending(s.id, request.request_id, outcome, origin, 'running');
        return { outcome };
      }

      if (request.kind === 'screen') return answerScreen(s, choice, origin);

      // A dialog on the screen: press the keys for the chosen option, after checking it is still there.
      const screen = await d.screens.read(s);
      if (!screen || (screen.kind !== 'permission' && screen.kind !== 'trust' && screen.kind !== 'dialog' && screen.kind !== 'question')) {
        m.resolvePending(s.id, request.request_id, 'the dialog was gone', { channel: 'terminal' });
        throw new CommandError('conflict', `The dialog in session ${s.id} is no longer on screen (answered in the terminal?); nothing was pressed.`);
      }
      const pane = await d.typer.verifiedPane(s);
      const tmux = m.tmuxFor(s);
      if (screen.kind === 'question') {
        const parsed = answerFromChoice({ options: screenOptions(screen), multi_select: screen.multi_select, allows_text: screen.allows_text }, input.choice);
        if ('error' in parsed) throw new CommandError('bad_request', parsed.error);
        d.screens.noteAnswered(s.id, screen);
        const io = { capture: () => tmux.capturePane(pane), press: (key: string) => tmux.sendKeys(pane, [key]), type: (text: string) => tmux.sendLiteral(pane, text) };
        const done = await answerQuestionOnScreen(io, screen.question, parsed.labels ? { labels: parsed.labels } : { text: parsed.answer }).catch((err: unknown) => {
          if (err instanceof RangeError) throw new CommandError('conflict', `The question on screen in session ${s.id} changed (${err.message}); look with \`csm output ${s.id}\` and answer again.`);
          throw err;
        });
        if (!done) throw new CommandError('unavailable', `Session ${s.id} did not take the answer on screen; look with \`csm output ${s.id}\`. The question is still open.`);
        const outcome = `answered: ${parsed.answer}`;
        m.resolvePending(s.id, request.request_id, outcome, origin, 'running');
        return { outcome };
      }
      const options = screen.options.map((o, i) => ({ key: String(o.number ?? i + 1), label: o.label }));
      const picked = pickOption(options, choice, screen.kind === 'permission' ? 'permission' : 'other');
      if (typeof picked === 'string') throw new CommandError('bad_request', picked);
      const keys = keysToChoose(screen.options, picked);
      d.screens.noteAnswered(s.id, screen);
      await pressOneByOne(tmux, pane, keys);
      const outcome = `chose "${options[picked]!.label}"`;
      m.resolvePending(s.id, request.request_id, outcome, origin, 'running');
      return { outcome };
    },

    async kill(id, origin) {
      const s = m.get(id);
      if (s.status === 'dead') throw new CommandError('conflict', `Session ${s.id} has already ended.`);
      const tmux = m.tmuxFor(s);
      if (s.adopted) await tmux.sendKeys(s.pane_id, ['C-c']).catch(() => undefined);
      else await tmux.killSession(s.tmux_session);
      m.markDead(s.id, null, '', null);
      void origin;
    },

    async keys(id, names, origin) {
      const s = m.getLive(id);
      const parsed = parseKeys(names);
      if ('error' in parsed) throw new CommandError('bad_request', parsed.error);
      await pressKeys(s, parsed.keys, origin);
      return { pressed: parsed.keys };
    },

    async saveFile(id, file, origin) {
      const s = m.getLive(id);
      void origin;
      return { path: await saveToInbox(s.cwd, file, m.now()) };
    },

    async terminalInput(id, input, origin) {
      const s = m.getLive(id);
      const checked = validateTerminalInput(input);
      if (!checked.ok) throw new CommandError('bad_request', checked.reason);
      const pane = await d.typer.verifiedPane(s);
      // Like a key on the keypad: a dialog that goes away now was answered by this person, not "the terminal".
      d.screens.notePressed(s.id, origin);
      const tmux = m.tmuxFor(s);
      if ('keys' in checked.input) await tmux.sendTerminalInput(pane, checked.input.keys);
      else await tmux.paste(pane, checked.input.paste, `csm-paste-${s.id}`);
    },

    watchTerminal(id, viewer, after) {
      return d.panes.watch(m.getLive(id), viewer, after);
    },

    notify(input: NotifyInput, origin: Origin) {
      const channel = input.channel ?? 'auto';
      const available = d.channels();
      if (input.session_id) m.get(input.session_id);
      if (channel !== 'auto' && !available.includes(channel)) {
        throw new CommandError('unavailable', `The ${channel} channel is not configured: add a "${channel}:" section to the config (see config.example.yaml) and restart the daemon.`);
      }
      if (available.length === 0) {
        throw new CommandError('unavailable', 'No channel is configured, so nobody would see this: add a "telegram:" or "email:" section to the config and restart the daemon.');
      }
      const notify_id = randomBytes(4).toString('hex');
      m.emit(input.session_id ?? '', { kind: 'notify', notify_id, channel, subject: input.subject ?? null, message: input.message });
      void origin;
      const to = channel === 'auto' ? available.slice(0, 1) : [channel];
      return { notify_id, channels: to };
    },

    ask(id: string, input: AskInput, origin: Origin, signal?: AbortSignal): Promise<AskResult> {
      const s = m.getLive(id);
      if (d.channels().length === 0) {
        throw new CommandError('unavailable', 'No channel is configured to reach the owner: add a "telegram:" or "email:" section to the config and restart the daemon.');
      }
      if (input.channel && !d.channels().includes(input.channel)) {
        throw new CommandError('unavailable', `The ${input.channel} channel is not configured: ask without a channel, or add a "${input.channel}:" section to the config and restart the daemon.`);
      }
      const seconds = Math.max(1, Math.min(86_400, input.timeout_seconds ?? DEFAULT_ASK_SECONDS));
      const options = (input.options ?? []).map((label, i) => ({ key: String(i + 1), label }));
      return new Promise<AskResult>((resolve) => {
        const request = {
          request_id: newRequestId(), kind: 'question' as const, title: input.question, detail: input.question,
          options, allows_text: true, created_at: m.now(), ...(input.channel ? { channel: input.channel } : {}),
        };
        let settled = false;
        const settle = (r: AskResult): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', withdraw);
          resolve(r);
        };
        const timer = setTimeout(() => {
          m.resolvePending(s.id, request.request_id, `no answer within ${seconds} s`, { channel: 'daemon' }, 'running');
          settle({ answered: false, reason: `No answer within ${seconds} s.` });
        }, seconds * 1000);
        // Nobody waits for the answer any more (Esc in the terminal, Claude Code's own timeout): take the
        // question back, so the owner does not answer into the void.
        const withdraw = (): void => {
          m.resolvePending(s.id, request.request_id, 'Claude stopped waiting for the answer', { channel: 'daemon' }, 'running');
          settle({ answered: false, reason: 'The question was withdrawn.' });
        };
        m.setPending(s.id, request, { type: 'ask', respond: settle });
        void d.screens.noteAsked(s, request.request_id);
        if (signal?.aborted) withdraw();
        else signal?.addEventListener('abort', withdraw, { once: true });
        void origin;
      });
    },
  };
  return commands;
}
