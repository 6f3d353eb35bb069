import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type z } from 'zod';
import { defaultCsmHome, tokenFile } from '../paths.js';
import { configSchema, type Config } from './schema.js';

/** A configuration problem: names the file and the key, and is shown to the person as it is. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadOptions {
  /** --config PATH; must exist when given. */
  configPath?: string;
  /** The environment: secrets (CSM_TELEGRAM_BOT_TOKEN, …), CSM_HOME, HOME and PATH. The CLI passes process.env. */
  env: NodeJS.ProcessEnv;
}

/** YAML file (or none) → secrets from env → validated → defaults → paths resolved → frozen. */
export function loadConfig(options: LoadOptions): Config {
  const env = options.env;
  const home = defaultCsmHome(env);
  const file = options.configPath ? resolve(options.configPath) : join(home, 'config.yaml');
  if (options.configPath && !existsSync(file)) {
    throw new ConfigError(`Config file ${file} does not exist. Copy config.example.yaml there, or leave out --config to run with defaults.`);
  }
  const raw = existsSync(file) ? readYaml(file) : {};
  applySecretsFromEnv(raw, env);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues(file, parsed.error));
  const config = parsed.data;
  const logDir = config.sessions.log_dir ? expandHome(config.sessions.log_dir, env) : join(home, 'logs');
  const roots = config.sessions.allowed_roots?.map((r) => resolve(expandHome(r, env)));
  return deepFreeze({
    ...config,
    sessions: { ...config.sessions, ...(roots ? { allowed_roots: roots } : {}) },
    paths: {
      home,
      db: join(home, 'csm.db'),
      token: tokenFile(home),
      log_dir: logDir,
      config_file: existsSync(file) ? file : null,
      search_path: env.PATH ?? '',
    },
  });
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read the config file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}): check that it is a readable file.`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: not valid YAML: ${first.message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    // The yaml library refuses aliases that expand too far (a "billion laughs" file) while building values.
    value = doc.toJS();
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${err instanceof Error ? err.message : String(err)}. A config file needs no aliases (*name); write the values out.`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${file}: the top level must be a mapping of sections (server:, telegram:, ...), not ${Array.isArray(value) ? 'a list' : typeof value}.`);
  }
  // A section whose keys are all commented out reads as null: treat it as left out, not as an error.
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

/** Secrets may live in the environment instead of the file; the env wins only where the file left them out. */
function applySecretsFromEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const section = (name: string): Record<string, unknown> | undefined => {
    const value = raw[name];
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  };
  const telegram = section('telegram');
  if (telegram && telegram.bot_token === undefined && env.CSM_TELEGRAM_BOT_TOKEN) telegram.bot_token = env.CSM_TELEGRAM_BOT_TOKEN;
  const email = section('email');
  if (email && email.password === undefined && env.CSM_EMAIL_PASSWORD) email.password = env.CSM_EMAIL_PASSWORD;
  const voice = section('voice');
  if (voice && voice.api_url !== undefined && voice.api_key === undefined && env.CSM_VOICE_API_KEY) voice.api_key = env.CSM_VOICE_API_KEY;
}

function describeIssues(file: string, error: z.ZodError): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    const key = issue.path.join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `  ${key ? `${key}: ` : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (see config.example.yaml for the keys)`;
    }
    const hint = /bot_token|password/.test(key) ? ' (or set it in the environment: CSM_TELEGRAM_BOT_TOKEN / CSM_EMAIL_PASSWORD)' : '';
    return `  ${key}: ${issue.message}${hint}`;
  });
  return `Invalid config in ${file}:\n${lines.join('\n')}`;
}

export function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  if (path === '~') return env.HOME || homedir();
  if (path.startsWith('~/')) return join(env.HOME || homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
