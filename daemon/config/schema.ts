import { z } from 'zod';
import { webhookSchema } from '../channels/webhook/config.js';

/**
 * The configuration file, validated once at start. Every key has a default so that a daemon with no file
 * at all runs with the local API and CLI only. Unknown keys are errors: a typo must not be silently ignored.
 */

const port = z.number().int().min(1).max(65535);

export const serverSchema = z
  .strictObject({
    /** Loopback only by default: the API types into terminals. */
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(8420),
    /**
     * A host that is not loopback (0.0.0.0, a LAN address) lets any machine that can reach it, with the
     * token, type into your terminals: it is refused unless this says so explicitly.
     */
    allow_remote: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    if (isLoopbackAddress(s.host) || s.allow_remote) return;
    ctx.addIssue({
      code: 'custom',
      path: ['host'],
      message: `"${s.host}" is not a loopback address, so other machines could reach an API that types into your terminals. Use 127.0.0.1, or add "allow_remote: true" under server: if you really mean it`,
    });
  })
  .prefault({});

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return v4 !== null && v4[1] === '127' && v4.slice(1).every((n) => Number(n) <= 255);
}

const chatIdSchema = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

export const telegramSchema = z.strictObject({
  /** From @BotFather. May come from CSM_TELEGRAM_BOT_TOKEN instead. */
  bot_token: z.string().min(1),
  /** The chat the bot serves (your private chat with the bot, or a group). */
  chat_id: chatIdSchema.optional(),
  /**
   * More chats served alike (each person's private chat with the bot, or a group and a private chat): every
   * message goes to each, and a request answered in one is marked answered, by whom, in all.
   */
  chat_ids: z.array(chatIdSchema).default([]),
  /** If set, only these users may command the bot, even inside chat_id: shorthand for users with role owner. */
  allowed_user_ids: z.array(z.number().int()).default([]),
  /**
   * Team mode: who may do what. owner: everything; operator: answer requests, type, /new under
   * sessions.allowed_roots, /clear, /compact, stop the sessions they started, no "always allow"; viewer: sees
   * everything, does nothing. `name` is shown in the chat and the audit ("Allowed by Alice").
   */
  users: z
    .array(z.strictObject({ id: z.number().int(), name: z.string().min(1).max(64).optional(), role: z.enum(['owner', 'operator', 'viewer']) }))
    .default([])
    .superRefine((users, ctx) => {
      const seen = new Set<number>();
      users.forEach((u, i) => {
        if (seen.has(u.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `user ${u.id} is listed twice` });
        seen.add(u.id);
      });
    }),
  /** The Bot API base URL; change it for a self-hosted Bot API server. */
  api_root: z.url().default('https://api.telegram.org'),
  /** One forum topic per session where the chat supports topics. */
  topics: z.boolean().default(false),
  /**
   * Live output in each session's thread, read from Claude Code's transcript: off, messages (Claude's text as
   * it is written), tools (also one line per tool call), all (also each tool's result in short). /stream
   * switches it per session.
   */
  stream: z.enum(['off', 'messages', 'tools', 'all']).default('messages'),
  /**
   * Largest photo or file taken into a session's .csm/inbox/, in MB. Telegram's cloud Bot API hands bots
   * files of at most 20 MB; a higher value helps only with a self-hosted Bot API server.
   */
  max_upload_mb: z.number().positive().max(2000).default(20),
})
  .superRefine((t, ctx) => {
    if (t.chat_id === undefined && t.chat_ids.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['chat_id'], message: 'set telegram.chat_id (the chat the bot serves) or telegram.chat_ids (several chats)' });
    }
  })
  // Read as: chat_id the first chat served, chat_ids every chat served (chat_id first, each once).
  .transform((t) => {
    const chats = [...new Set([...(t.chat_id !== undefined ? [t.chat_id] : []), ...t.chat_ids])];
    return { ...t, chat_id: chats[0]!, chat_ids: chats };
  });

export const emailSchema = z.strictObject({
  smtp_host: z.string().min(1),
  smtp_port: port.default(587),
  /** true = TLS from the first byte (port 465); false = STARTTLS when offered. */
  smtp_secure: z.boolean().default(false),
  imap_host: z.string().min(1),
  imap_port: port.default(993),
  imap_secure: z.boolean().default(true),
  username: z.string().min(1),
  /** May come from CSM_EMAIL_PASSWORD instead. */
  password: z.string().min(1),
  from_address: z.string().min(3),
  /** The owner's address: mail goes there, and only replies from it are accepted. */
  to_address: z.string().min(3),
  /** Used only when the IMAP server has no IDLE. */
  poll_interval_seconds: z.number().int().min(5).default(60),
});

export const sessionsSchema = z
  .strictObject({
    /** Where pipe-pane logs go. Default: <CSM_HOME>/logs. */
    log_dir: z.string().optional(),
    /** A session's log is cut back to this size (bytes) when it grows past it. */
    log_max_bytes: z.number().int().min(64 * 1024).default(10 * 1024 * 1024),
    idle_warning_seconds: z.number().int().min(1).default(60),
    idle_email_seconds: z.number().int().min(1).default(600),
    /**
     * A screen that is neither the prompt, nor busy, nor a dialog csm knows, unchanged for this long, goes to
     * the owner with a keypad: the session may be waiting for a key.
     */
    stuck_seconds: z.number().int().min(1).default(20),
    /**
     * Folders under which /new from Telegram may start a session (~ allowed). Unset: owners may start one in
     * any folder, operators in none.
     */
    allowed_roots: z.array(z.string().min(1)).min(1).optional(),
  })
  .prefault({});

export const claudeSchema = z
  .strictObject({
    command: z.string().min(1).default('claude'),
    default_args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
  })
  .prefault({});

export const tmuxSchema = z
  .strictObject({
    /** tmux -L <socket_name>; unset = the user's default tmux server. */
    socket_name: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  })
  .prefault({});

export const terminalSchema = z
  .strictObject({
    /**
     * How a new session is shown: auto (Terminal.app on macOS, none elsewhere), terminal, iterm2, none, or a
     * command template containing {session}, run without a shell.
     */
    launcher: z.string().min(1).default('auto'),
  })
  .prefault({});

export const permissionsSchema = z
  .strictObject({
    /** How long a permission dialog waits for an answer from the phone before leaving it to the terminal. */
    remote_timeout_seconds: z.number().int().min(1).max(86400).default(600),
  })
  .prefault({});

/**
 * Voice notes and audio files → text. The transcriber is configured, never guessed: a command (run without a
 * shell) or an OpenAI-compatible transcription server; with neither, a voice note gets a reply saying so.
 */
export const voiceSchema = z
  .strictObject({
    /**
     * A command template, split on spaces (or a list of words), run without a shell. `{wav}`: the audio as a
     * 16 kHz mono WAV file (made with ffmpeg); `{file}`: the file as Telegram sent it. Prints the text.
     */
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]).optional(),
    /** An OpenAI-compatible server: its base URL (…/v1) or the full …/audio/transcriptions URL. */
    api_url: z.url().optional(),
    /** Sent as a Bearer token to api_url. May come from CSM_VOICE_API_KEY instead. */
    api_key: z.string().min(1).optional(),
    /** The `model` form field for api_url. */
    model: z.string().min(1).default('whisper-1'),
    /** An ISO-639-1 hint (`en`) for api_url; unset = the server detects it. */
    language: z.string().min(2).optional(),
    /** true = type the transcript at once; false = show it with Send / Cancel buttons first. */
    auto_send: z.boolean().default(false),
    /** Longer voice notes are refused before they are fetched. */
    max_seconds: z.number().int().min(1).max(3600).default(300),
    /** A transcriber that takes longer is stopped, and nothing is typed. */
    timeout_seconds: z.number().int().min(1).max(3600).default(120),
    /** The ffmpeg that makes {wav}: a name on PATH or a full path. */
    ffmpeg: z.string().min(1).default('ffmpeg'),
  })
  .superRefine((v, ctx) => {
    if (v.command !== undefined && v.api_url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['api_url'], message: 'set either voice.command or voice.api_url, not both' });
    }
    const words = typeof v.command === 'string' ? v.command.trim().split(/\s+/) : (v.command ?? []);
    if (v.command !== undefined && !words.some((w) => w.includes('{wav}') || w.includes('{file}'))) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'the command has no {wav} or {file} placeholder, so it would never see the audio' });
    }
  })
  .prefault({});

export const webSchema = z
  .strictObject({
    /** The dashboard at http://<server.host>:<server.port>/web/. false: no dashboard routes at all. */
    enabled: z.boolean().default(true),
    /**
     * Where you open the dashboard when not on this machine (an SSH tunnel's local end, a Tailscale Serve
     * address): login links and "Open in browser" links point there, and that origin is accepted too.
     */
    public_url: z
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'public_url must start with http:// or https://')
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
    /** How long a browser stays logged in after opening a login link. */
    session_hours: z.number().positive().max(24 * 90).default(24 * 7),
    /** How long a login link printed by `csm web` can be used (once). */
    link_minutes: z.number().int().min(1).max(24 * 60).default(10),
  })
  .prefault({});

export const screenshotsSchema = z
  .strictObject({
    /**
     * The monospace font pane images are drawn with (.ttf, .otf or .ttc). Unset: DejaVu Sans Mono on Linux,
     * SF Mono or Menlo on macOS; its bold face is taken from the same folder when there is one.
     */
    font_file: z.string().min(1).optional(),
    /** The width aimed at, in pixels: the font is sized so that the content's columns fill about this much. */
    width: z.number().int().min(320).max(4000).default(1280),
  })
  .prefault({});

export const configSchema = z.strictObject({
  server: serverSchema,
  /**
   * Ended sessions are forgotten this many days after they ended: their records in every table, their logs
   * and launch files; delivered records and old events too. Live sessions are never pruned. 0 = at the next
   * sweep (hourly, and at start).
   */
  retention_days: z.number().min(0).max(36_500).default(30),
  telegram: telegramSchema.optional(),
  email: emailSchema.optional(),
  webhook: webhookSchema.optional(),
  sessions: sessionsSchema,
  claude: claudeSchema,
  tmux: tmuxSchema,
  terminal: terminalSchema,
  permissions: permissionsSchema,
  voice: voiceSchema,
  web: webSchema,
  screenshots: screenshotsSchema,
});

export type Config = z.infer<typeof configSchema> & {
  /** Resolved paths, filled in by load.ts. */
  paths: {
    home: string;
    db: string;
    token: string;
    log_dir: string;
    config_file: string | null;
    /** The PATH at load: where a bare `claude.command` is looked up before a session is started. */
    search_path: string;
  };
};
export type TelegramConfig = z.infer<typeof telegramSchema>;
export type EmailConfig = z.infer<typeof emailSchema>;
export type VoiceConfig = z.infer<typeof voiceSchema>;
export type WebConfig = z.infer<typeof webSchema>;
