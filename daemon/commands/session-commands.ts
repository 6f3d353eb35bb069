import { randomBytes } from 'node:crypto';
import { CommandError } from '../errors.js';
import type { Origin, SessionInfo } from '../events/types.js';
import type { InputTyper } from '../sessions/input.js';
import type { InputLedger } from '../sessions/input-ledger.js';
import { validateInputText } from '../sessions/input-text.js';
import { newRequestId } from '../sessions/pending.js';
import type { ScreenWatch } from '../sessions/screen-watch.js';
import type { PaneImages } from '../sessions/pane-images.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { parseKeys } from '../events/keys.js';
import { saveToInbox } from '../sessions/inbox.js';
import type { Panes } from '../sessions/pane.js';
import type { PaneStreams } from '../sessions/pane-stream.js';
import { validateTerminalInput } from '../sessions/terminal-input.js';
import { createAnswer, pressKeys } from './answer.js';
import type { AskInput, AskResult, Commands, NotifyInput } from './types.js';

export interface CommandDeps {
  manager: SessionManager;
  typer: InputTyper;
  screens: ScreenWatch;
  ledger: InputLedger;
  /** Where the command layer reaches a session's pane: it never holds a tmux client itself. */
  panes: Panes;
  /** The panes' live output, for the dashboard's terminal. */
  streams: PaneStreams;
  images: PaneImages;
  /** Test instrumentation (CSM_TEST_CRASH_AT): called at the named step of typing a keyed input. */
  fault?: (step: 'before-type', text: string) => void;
  /** The conversation channels, primary first ('telegram', 'email'): where notify and ask_user may go. */
  channels: () => string[];
}

const DEFAULT_ASK_SECONDS = 600;
/** How long the first input of a new session waits for Claude Code to connect our MCP server. */
const MCP_WAIT_MS = 10_000;

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
      const screen = await d.panes.read(s, n);
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

    answer: createAnswer({ manager: m, screens: d.screens, panes: d.panes }),

    async kill(id, origin) {
      const s = m.get(id);
      if (s.status === 'dead') throw new CommandError('conflict', `Session ${s.id} has already ended.`);
      await d.panes.end(s);
      m.markDead(s.id, null, '', null);
      void origin;
    },

    async keys(id, names, origin) {
      const s = m.getLive(id);
      const parsed = parseKeys(names);
      if ('error' in parsed) throw new CommandError('bad_request', parsed.error);
      await pressKeys(d, s, parsed.keys, origin);
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
      const pane = await d.panes.open(s);
      // Like a key on the keypad: a dialog that goes away now was answered by this person, not "the terminal".
      d.screens.notePressed(s.id, origin);
      if ('keys' in checked.input) await pane.terminalInput(checked.input.keys);
      else await pane.paste(checked.input.paste);
    },

    watchTerminal(id, viewer, after) {
      return d.streams.watch(m.getLive(id), viewer, after);
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
