import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { FastifyInstance } from 'fastify';
import { hookScriptPath, packageVersion } from './assets.js';
import { createChannels } from './channels/registry.js';
import { conversationChannels } from './conversation/router.js';
import type { Channel } from './channels/channel.js';
import { createCommands } from './commands/session-commands.js';
import { audited } from './commands/audited.js';
import { AuditLog } from './store/audit.js';
import type { Commands } from './commands/types.js';
import type { Config } from './config/schema.js';
import { EventBus } from './events/bus.js';
import { EventLog } from './events/event-log.js';
import { acquireHomeLock } from './home-lock.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';
import { HookIntake } from './sessions/hook-intake.js';
import { InputTyper, type InputTiming } from './sessions/input.js';
import { InputLedger } from './sessions/input-ledger.js';
import { settleInputBoxes } from './sessions/restart-check.js';
import { Retention } from './sessions/retention.js';
import { DAY_MS } from './store/retention-policy.js';
import { Monitor, type MonitorTiming } from './sessions/monitor.js';
import { ScreenWatch } from './sessions/screen-watch.js';
import { PaneStreams } from './sessions/pane-stream.js';
import { Panes } from './sessions/pane.js';
import { WebAuth } from './web/auth.js';
import { PaneImages } from './sessions/pane-images.js';
import { PaneRenderer } from './render/renderer.js';
import { SessionManager } from './sessions/session-manager.js';
import { SessionStore } from './sessions/session-store.js';
import { TranscriptFollower } from './sessions/transcript-follow.js';
import { Store } from './store/store.js';
import { launcherCommand } from './terminal/launcher.js';
import { serverArgs } from './tmux/commands.js';
import { TmuxClient } from './tmux/tmux-client.js';
import { ensureToken } from './token.js';
import { mcpServerCommand } from './mcp-install.js';
import { daemonUrl } from './paths.js';

export interface DaemonOptions {
  config: Config;
  log: Logger;
  /** Fastify's own request logging (pino options), off by default. */
  httpLogger?: boolean | object;
  /** retentionMs: how often the retention sweep runs (default hourly). */
  timing?: { monitor?: MonitorTiming; input?: InputTiming; retentionMs?: number };
  platform?: NodeJS.Platform;
  /** Test instrumentation only (see serve.ts, CSM_TEST_CRASH_AT). */
  fault?: (step: 'before-type' | 'before-enter' | 'after-spawn', text: string) => void;
  /** Test instrumentation only (see serve.ts, CSM_TEST_SESSION_IDS): where session ids are drawn from. */
  idRandom?: (digits: number) => string;
}

export interface Daemon {
  app: FastifyInstance;
  bus: EventBus;
  commands: Commands;
  manager: SessionManager;
  url: string;
  token: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Wires the daemon: store → sessions → commands → HTTP and channels. Stopping never kills a session:
 * tmux keeps them, and the next start adopts them again.
 */
export async function createDaemon(o: DaemonOptions): Promise<Daemon> {
  const { config, log } = o;
  mkdirSync(config.paths.home, { recursive: true, mode: 0o700 });
  const platform = o.platform ?? process.platform;
  // Before the database is opened: a second daemon on this home must give up having changed nothing.
  const lock = await acquireHomeLock(config.paths.home, platform);
  mkdirSync(config.paths.log_dir, { recursive: true });
  const token = ensureToken(config.paths.token);
  const store = new Store(config.paths.db);
  const bus = new EventBus(log.child({ part: 'bus' }));
  const events = new EventLog(bus);
  const tmuxServer = config.tmux.socket_name ? { socketName: config.tmux.socket_name } : {};
  const tmux = new TmuxClient(tmuxServer);
  const url = daemonUrl(config.server);
  let channels: Channel[] = [];

  const sessionStore = new SessionStore(store);
  const manager = new SessionManager({
    config, tmux, tmuxAt: (socketPath) => new TmuxClient({ socketPath }), store: sessionStore, bus,
    log: log.child({ part: 'sessions' }), url, hookScript: hookScriptPath(), mcpServer: mcpServerCommand(),
    ...(o.idRandom ? { idRandom: o.idRandom } : {}),
    ...(o.fault ? { fault: o.fault } : {}),
    openWindow: async (name) => {
      const cmd = launcherCommand(config.terminal.launcher, platform, serverArgs(tmuxServer), name);
      if (cmd) await execa(cmd.file, cmd.args, { timeout: 15_000 });
    },
  });
  const screens = new ScreenWatch(manager, log.child({ part: 'screen' }));
  const typer = new InputTyper(manager, o.timing?.input, o.fault);
  const images = new PaneImages(manager, new PaneRenderer({ fontFile: config.screenshots.font_file ?? null, targetWidth: config.screenshots.width, platform }), log.child({ part: 'images' }));
  const monitor = new Monitor(manager, screens, log.child({ part: 'monitor' }), o.timing?.monitor, (s) => images.keepFinal(s));
  const transcripts = new TranscriptFollower({ store, emit: (id, e) => manager.emit(id, e), log: log.child({ part: 'transcript' }) });
  bus.on('dead', (e) => transcripts.unfollow(e.session_id));
  let ownSocket: string | null | undefined;
  const hooks = new HookIntake({
    manager, log: log.child({ part: 'hooks' }), tmuxAt: (p) => new TmuxClient({ socketPath: p }), ownTmux: tmux,
    ownSocketPath: async () => {
      if (ownSocket === undefined) {
        ownSocket = await tmux.socketPath();
      }
      return ownSocket ?? null;
    },
    onPromptSubmitted: (id) => typer.promptSubmitted(id),
    onActivity: (id) => monitor.activity(id),
    onTranscript: (id, path) => transcripts.follow(id, path),
    transcriptRead: (id, text) => transcripts.whenRead(id, text),
  });
  const ledger = new InputLedger(store);
  const retention = new Retention({
    manager, sessions: sessionStore, store, events, sessionsDir: join(config.paths.home, 'sessions'), logDir: config.paths.log_dir,
    log: log.child({ part: 'retention' }),
  });
  const keepMs = config.retention_days * DAY_MS;
  const panes = new PaneStreams(manager);
  const auditLog = new AuditLog(store);
  const commands = audited(createCommands({ manager, typer, screens, ledger, panes: new Panes((s) => manager.tmuxFor(s), (s) => typer.verifiedPane(s)), streams: panes, images, ...(o.fault ? { fault: o.fault } : {}), channels: () => conversationChannels(channels.map((c) => c.audience)) }), auditLog, log.child({ part: 'audit' }));
  const app = buildApp({ commands, hooks, events, token, audit: (q) => auditLog.query(q), tokenFile: config.paths.token, sessionOfCredential: (t) => manager.sessionOfCredential(t)?.id ?? null, version: packageVersion(), channels: () => channels.map((c) => c.name), channelHealth: () => channels.map((c) => ({ name: c.name, ...c.health() })), logger: o.httpLogger ?? false, allowRemote: config.server.allow_remote, log: log.child({ part: 'http' }), prune: (days) => retention.sweep(days === undefined ? keepMs : days * DAY_MS),
    ...(config.web.enabled ? { web: {
      auth: new WebAuth(store, { sessionMs: config.web.session_hours * 3_600_000, linkMs: config.web.link_minutes * 60_000 }),
      site: { port: config.server.port, publicUrl: config.web.public_url, allowRemote: config.server.allow_remote },
      baseUrl: config.web.public_url ?? (config.server.host === '0.0.0.0' || config.server.host === '::' ? `http://127.0.0.1:${config.server.port}` : url),
    } } : {}) });
  // The port is bound before the sessions are reconciled (a daemon that cannot have the port must change
  // nothing); requests that arrive in between wait until the daemon knows its sessions.
  let reconciled!: () => void;
  const ready = new Promise<void>((resolve) => (reconciled = resolve));
  app.addHook('onRequest', async () => ready);

  return {
    app, bus, commands, manager, url, token,
    async start() {
      await app.listen({ host: config.server.host, port: config.server.port });
      if (config.server.allow_remote) {
        log.warn({ host: config.server.host }, 'server.allow_remote is on: any machine that reaches this address with the token can type into your sessions');
      }
      let settled: Promise<void> = Promise.resolve();
      // Until every channel has subscribed: what reconciling and early requests emit reaches them too.
      const releaseKept = bus.keepForLateSubscribers();
      try {
        manager.restorePending();
        await monitor.checkLiveness();
        // Queued ahead of every input the API or a channel may send once requests are let in (the typer runs
        // one job per session at a time); awaited before the channels start, so their retries find the box settled.
        settled = settleInputBoxes(manager, typer, ledger, log);
        channels = await createChannels({ config, bus, commands, store, log });
        monitor.start();
        for (const s of manager.live()) if (s.transcript_path) transcripts.follow(s.id, s.transcript_path);
      } finally {
        reconciled();
      }
      try {
        await settled;
        for (const channel of channels) {
          await channel.start().catch((err: unknown) => log.error({ err, channel: channel.name }, 'channel failed to start'));
        }
      } finally {
        releaseKept();
      }
      // After the channels: their tables' pruners are registered by then, and vanished sessions are marked dead.
      retention.start(keepMs, o.timing?.retentionMs ?? 3600_000);
      log.info({ url, sessions: manager.live().length, channels: channels.map((c) => c.name) }, 'csm daemon ready');
    },
    async stop() {
      await Promise.all(channels.map((c) => c.stop().catch((err: unknown) => log.warn({ err, channel: c.name }, 'channel stop failed'))));
      retention.stop();
      manager.releaseAllWaiters();
      transcripts.stop();
      panes.stopAll();
      await monitor.stop();
      await app.close();
      store.close();
      await lock.release();
    },
  };
}

