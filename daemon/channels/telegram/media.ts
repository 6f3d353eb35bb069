import type { CallbackQuery, Message } from 'grammy/types';
import type { Commands } from '../../commands/types.js';
import type { VoiceConfig } from '../../config/schema.js';
import { CommandError } from '../../errors.js';
import type { Origin } from '../../events/types.js';
import type { Logger } from '../../logger.js';
import { sanitizeFileName } from '../../inbox-name.js';
import { formatSeconds } from '../../voice/template.js';
import { TranscribeError, VOICE_SETUP_HELP, type Transcriber } from '../../voice/transcriber.js';
import { encodeCallback } from './callback-data.js';
import { mb, type FileFetcher } from './files.js';
import { escapeHtml } from './format.js';
import type { MessageHandler, TextContext } from './handlers.js';
import type { Turn } from './turn.js';
import type { VoiceJob, VoiceNote, VoiceNotes } from './voice-notes.js';
import type { Keyboard } from './types.js';

export interface MediaDeps {
  commands: Commands;
  messages: MessageHandler;
  notes: VoiceNotes;
  files: FileFetcher;
  /** null = none configured: a voice note gets the setup help. */
  transcriber: Transcriber | null;
  maxUploadBytes: number;
  voice: Pick<VoiceConfig, 'auto_send' | 'max_seconds'>;
  answerCallback: (id: string, text?: string, alert?: boolean) => Promise<void>;
  /** Records what `fill` puts on a turn of its own, outside any update (a transcription's outcome). */
  later: (fill: (turn: Turn) => void | Promise<void>) => Promise<void>;
  /** Aborted when the channel stops: a download or transcription in progress gives up. */
  signal: AbortSignal;
  log: Logger;
}

/** What is fetched of one incoming file. */
interface Incoming {
  fileId: string;
  size: number | undefined;
}

/** A transcript shown in the chat is cut to fit one message; the whole of it is what gets typed. */
const TRANSCRIPT_SHOWN = 3500;

/**
 * Photos and files → saved in the session's `.csm/inbox/` (by the command layer) with their path typed;
 * voice notes and audio → transcribed, shown as 🎤 "…" with Send / Cancel (or typed at once).
 */
export class MediaHandler {
  readonly #d: MediaDeps;

  constructor(deps: MediaDeps) {
    this.#d = deps;
  }

  /** Handles a photo, document, voice note or audio file; false when `m` is none of these. */
  async handle(m: Message, c: TextContext, turn: Turn): Promise<boolean> {
    if (m.photo && m.photo.length > 0) {
      // Telegram sends each photo in several sizes; the largest is the one worth reading.
      const best = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
      await this.#file(c, turn, { fileId: best.file_id, size: best.file_size }, { label: 'Photo', name: null, ext: 'jpg', caption: m.caption });
      return true;
    }
    if (m.voice || m.audio) {
      const v = (m.voice ?? m.audio)!;
      const ext = m.voice ? 'oga' : sanitizeFileName(m.audio?.file_name ?? '').ext || extOfMime(v.mime_type) || 'bin';
      await this.#voice(c, turn, { fileId: v.file_id, size: v.file_size }, v.duration, { ext, ...(v.mime_type ? { mime: v.mime_type } : {}) });
      return true;
    }
    if (m.document) {
      const d = m.document;
      await this.#file(c, turn, { fileId: d.file_id, size: d.file_size }, { label: 'File', name: d.file_name ?? null, ext: extOfMime(d.mime_type), caption: m.caption });
      return true;
    }
    return false;
  }

  async #file(c: TextContext, turn: Turn, f: Incoming, o: { label: string; name: string | null; ext: string; caption: string | undefined }): Promise<void> {
    const { messages, commands } = this.#d;
    const session = this.#target(c, turn);
    if (!session) return;
    const here = { ...c, session };
    let path: string;
    try {
      const bytes = await this.#fetch(f);
      path = (await commands.saveFile(session, { name: o.name, bytes, ...(o.ext ? { ext: o.ext } : {}) }, c.origin)).path;
    } catch (err) {
      return messages.replyError(turn, here, err);
    }
    const caption = o.caption?.trim();
    const text = `${o.label}: ${path}${caption ? ` — ${caption}` : ''}`;
    try {
      await messages.typeOrAnswer(text, here, turn);
    } catch (err) {
      const why = err instanceof CommandError ? err.message : 'typing it failed';
      if (!(err instanceof CommandError)) this.#d.log.error({ err }, 'telegram: typing the path of a received file failed');
      messages.reply(turn, here, `⚠️ Saved as <code>${escapeHtml(path)}</code>, but not typed: ${escapeHtml(why)}`);
    }
  }

  /**
   * A transcription takes seconds to minutes, so it runs beside the update loop: taps and replies behind
   * it are handled meanwhile. The update only records the note and a "Transcribing…" reply (in its commit);
   * the transcript replaces that reply when it is in. A restart picks up what was left unfinished.
   */
  async #voice(c: TextContext, turn: Turn, f: Incoming, duration: number, audio: { ext: string; mime?: string }): Promise<void> {
    const { messages, transcriber, voice, notes } = this.#d;
    const session = this.#target(c, turn);
    if (!session) return;
    const here = { ...c, session };
    if (!transcriber) return messages.reply(turn, here, `🎤 ${escapeHtml(VOICE_SETUP_HELP)}`);
    if (duration > voice.max_seconds) {
      return messages.reply(turn, here, `🎤 That voice message is ${formatSeconds(duration)} long; csm transcribes up to ${formatSeconds(voice.max_seconds)} (voice.max_seconds). Nothing was typed.`);
    }
    const job: VoiceJob = { fileId: f.fileId, size: f.size, ...audio, origin: c.origin };
    let started: VoiceNote | null = null;
    turn.write(() => {
      const { id, fresh } = notes.begin({ session, messageId: c.messageId, replyKey: c.replyKey, job });
      if (fresh) started = notes.get(id);
    });
    turn.send({ op: 'send', session, html: '🎤 Transcribing…', replyTo: c.messageId, key: voiceKey(c.messageId) });
    turn.afterCommit(() => {
      if (started) void this.#transcribe(started);
    });
  }

  /** The transcriptions a stop or crash left unfinished: run again (their "Transcribing…" reply is in the chat). */
  resume(): void {
    for (const note of this.#d.notes.unfinished()) void this.#transcribe(note);
  }

  async #transcribe(note: VoiceNote): Promise<void> {
    const { transcriber, messages, notes, voice, signal } = this.#d;
    const job = note.job;
    const c: TextContext = { origin: job?.origin ?? { channel: 'telegram' }, messageId: note.messageId, session: note.session, strayReply: false, replyKey: note.replyKey };
    // The note's outcome, and its "Transcribing…" reply edited to show it, in one turn.
    const finish = (state: 'shown' | 'sent' | 'failed', text: string, html: string, o: { keyboard?: Keyboard; then?: (turn: Turn) => Promise<void> } = {}): Promise<void> =>
      this.#d.later(async (turn) => {
        turn.write(() => notes.transcribed(note.id, text, state));
        turn.send({ op: 'edit', session: note.session, key: voiceKey(note.messageId), html, ...(o.keyboard ? { keyboard: o.keyboard } : {}) });
        await o.then?.(turn);
      });
    const fail = (html: string): Promise<void> => finish('failed', '', html);
    if (!transcriber || !job) return fail(`🎤 ${escapeHtml(VOICE_SETUP_HELP)}`);
    let text: string;
    try {
      const bytes = await this.#fetch({ fileId: job.fileId, size: job.size });
      text = await transcriber.transcribe({ bytes, ext: job.ext, ...(job.mime ? { mime: job.mime } : {}) }, signal);
    } catch (err) {
      // Stopping: the note stays unfinished, and the next start runs it again.
      if (signal.aborted) return;
      return fail(err instanceof TranscribeError ? `⚠️ ${escapeHtml(err.message)}` : messages.errorHtml(err));
    }
    if (text === '') return fail('🎤 No words could be made out in that voice message, so nothing was typed.');
    // Typed keyed by the voice message, like any text: a restart that runs this again types it once.
    if (voice.auto_send) return finish('sent', text, transcriptHtml(text), { then: (turn) => messages.handleInput(text, c, turn) });
    return finish('shown', text, transcriptHtml(text), {
      keyboard: [[
        { text: '➤ Send', data: encodeCallback({ type: 'voiceSend', note: note.id }) },
        { text: 'Cancel', data: encodeCallback({ type: 'voiceCancel', note: note.id }) },
      ]],
    });
  }

  /** Send or Cancel tapped under a transcript. */
  async onButton(a: { note: number; send: boolean }, q: CallbackQuery, messageId: number, origin: Origin, turn: Turn): Promise<void> {
    const { notes, messages, answerCallback } = this.#d;
    const note = notes.get(a.note);
    if (!note) return answerCallback(q.id, 'This button no longer works.');
    if (note.state !== 'shown') return answerCallback(q.id, note.state === 'sent' ? 'Already sent.' : 'Cancelled earlier: nothing was typed.');
    const shown = transcriptHtml(note.text);
    if (!a.send) {
      turn.write(() => notes.settle(note.id, 'cancelled'));
      turn.send({ op: 'edit', session: note.session, messageId, html: `${shown}\n\n✖ Cancelled: nothing was typed.` });
      return answerCallback(q.id, 'Cancelled.');
    }
    await answerCallback(q.id);
    const c: TextContext = { origin, messageId: note.messageId, session: note.session, strayReply: false, replyKey: note.replyKey };
    try {
      await messages.typeOrAnswer(note.text, c, turn);
    } catch (err) {
      // The buttons stay: once the session can take it (a dialog answered), Send works again.
      return messages.replyError(turn, c, err);
    }
    turn.write(() => notes.settle(note.id, 'sent'));
    turn.send({ op: 'edit', session: note.session, messageId, html: `${shown}\n\n➤ Sent to <b>${escapeHtml(note.session)}</b>` });
  }

  /** The session to act in, or null after telling the person why there is none. */
  #target(c: TextContext, turn: Turn): string | null {
    const { messages, commands } = this.#d;
    const target = messages.sessionFor(c);
    if ('error' in target) {
      messages.reply(turn, c, target.error);
      return null;
    }
    const info = (() => {
      try {
        return commands.get(target.session);
      } catch (err) {
        messages.replyError(turn, c, err);
        return null;
      }
    })();
    if (!info) return null;
    if (info.status === 'dead') {
      messages.reply(turn, { ...c, session: target.session }, `Session ${escapeHtml(target.session)} has ended, so nothing was saved or typed.`);
      return null;
    }
    return target.session;
  }

  #fetch(f: Incoming): Promise<Uint8Array> {
    const max = this.#d.maxUploadBytes;
    if (f.size !== undefined && f.size > max) {
      throw new CommandError('bad_request', `That file is ${mb(f.size)}; csm takes files up to ${mb(max)} (telegram.max_upload_mb). Nothing was saved or typed.`);
    }
    return this.#d.files.fetch(f.fileId, max, this.#d.signal);
  }
}

/** The chat's reply to a voice message, edited from "Transcribing…" to its transcript. */
const voiceKey = (voiceMessageId: number): string => `voice:${voiceMessageId}`;

/** The transcript as the person sees it: quoted, cut to fit a message. */
export function transcriptHtml(text: string): string {
  const shown = text.length > TRANSCRIPT_SHOWN ? `${text.slice(0, TRANSCRIPT_SHOWN)}…` : text;
  return `🎤 "${escapeHtml(shown)}"`;
}

const MIME_EXT: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp', 'application/pdf': 'pdf',
  'text/plain': 'txt', 'application/json': 'json', 'audio/ogg': 'ogg', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a',
  'audio/x-wav': 'wav', 'audio/wav': 'wav', 'audio/flac': 'flac', 'application/zip': 'zip',
};

function extOfMime(mime: string | undefined): string {
  return (mime && MIME_EXT[mime.toLowerCase()]) ?? '';
}
