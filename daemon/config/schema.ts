import { z } from 'zod';

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

export const telegramSchema = z.strictObject({
  /** From @BotFather. May come from CSM_TELEGRAM_BOT_TOKEN instead. */
  bot_token: z.string().min(1),
  /** The one chat the bot serves (your private chat with the bot, or a group). */
  chat_id: z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]),
  /** If set, only these users may command the bot, even inside chat_id. */
  allowed_user_ids: z.array(z.number().int()).default([]),
  /** The Bot API base URL; change it for a self-hosted Bot API server. */
  api_root: z.url().default('https://api.telegram.org'),
  /** One forum topic per session where the chat supports topics. */
  topics: z.boolean().default(false),
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
  sessions: sessionsSchema,
  claude: claudeSchema,
  tmux: tmuxSchema,
  terminal: terminalSchema,
  permissions: permissionsSchema,
});

export type Config = z.infer<typeof configSchema> & {
  /** Resolved paths, filled in by load.ts. */
  paths: { home: string; db: string; token: string; log_dir: string; config_file: string | null };
};
export type TelegramConfig = z.infer<typeof telegramSchema>;
export type EmailConfig = z.infer<typeof emailSchema>;
