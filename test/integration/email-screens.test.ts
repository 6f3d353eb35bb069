import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailChannel, EMAIL_AUDIENCE } from '../../daemon/channels/email/channel.js';
import { route } from '../../daemon/conversation/router.js';
import type { Channel } from '../../daemon/channels/channel.js';
import { configSchema, type Config } from '../../daemon/config/schema.js';
import { CommandError } from '../../daemon/errors.js';
import { EventBus } from '../../daemon/events/bus.js';
import { silentLogger } from '../../daemon/logger.js';
import { Store } from '../../daemon/store/store.js';
import { FakeCommands } from '../fakes/commands.js';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.js';
import { freePort } from '../helpers/daemon.js';
import { decodePng } from '../helpers/png.js';

/** The email channel attaches the session's screen to idle summaries and error mails (real SMTP sink). */
let sink: SmtpSink | undefined;
let channel: Channel | undefined;
let store: Store | undefined;
afterEach(async () => {
  await channel?.stop();
  await sink?.close();
  store?.close();
  channel = sink = store = undefined;
});

async function setup(): Promise<{ bus: EventBus; commands: FakeCommands }> {
  sink = await startSmtpSink();
  const dir = mkdtempSync(join(tmpdir(), 'csm-mail-screens-'));
  store = new Store(join(dir, 'csm.db'));
  const bus = new EventBus(silentLogger);
  const commands = new FakeCommands(bus);
  // No IMAP server listens there: the inbox keeps retrying in the background, which this test does not need.
  const parsed = configSchema.parse({ email: { smtp_host: '127.0.0.1', smtp_port: sink.port, imap_host: '127.0.0.1', imap_port: await freePort(), imap_secure: false, username: 'u', password: 'p', from_address: 'csm@localhost', to_address: 'me@localhost' } });
  const config: Config = { ...parsed, paths: { home: dir, db: join(dir, 'csm.db'), token: join(dir, 'token'), log_dir: dir, config_file: null, search_path: '' } };
  channel = createEmailChannel({ config, bus, commands, store, log: silentLogger, reaches: (e, name) => route(e, [EMAIL_AUDIENCE]).includes(name) }, { inbox: { reconnectMs: 60_000 } });
  await channel.start();
  commands.addSession('a1b2', '/home/u/app', { emit: false });
  commands.screens.set('a1b2', 'Claude Code\n\n❯ waiting for you');
  return { bus, commands };
}

describe('email: the screen as an image', () => {
  it('an idle summary carries the screen as an inline PNG, shown in the HTML part', async () => {
    const { commands } = await setup();
    commands.emit('a1b2', { kind: 'idle_long', idle_seconds: 600, last_message: 'Tests pass.', screen_tail: '❯ ' });
    const mail = await sink!.waitForMessage((m) => /Idle for 10 min/.test(m.parsed.subject ?? ''), 10_000);
    const [image] = mail.parsed.attachments;
    expect(image).toMatchObject({ contentType: 'image/png', filename: 'a1b2-screen.png', cid: 'screen-a1b2@csm' });
    const png = decodePng(image!.content);
    expect(png.width).toBeGreaterThan(200);
    // The HTML part shows it inline (mailparser turns the cid: link into the image's data).
    expect(mail.raw).toContain('src=3D"cid:screen-a1b2@csm"');
    expect(String(mail.parsed.html)).toContain('<img src="data:image/png;base64,');
    expect(mail.parsed.text).toContain('(The screen is attached as an image.)');
  });

  it('an error mail without a drawable screen still goes, saying nothing about an image', async () => {
    const { commands } = await setup();
    commands.screenshot = async () => {
      throw new CommandError('conflict', 'gone');
    };
    commands.emit('a1b2', { kind: 'error', message: 'Claude Code exited with code 1', screen_tail: 'boom' });
    const mail = await sink!.waitForMessage((m) => /^\[claude-a1b2\] Error:/.test(m.parsed.subject ?? ''), 10_000);
    expect(mail.parsed.attachments).toHaveLength(0);
    expect(mail.parsed.text).not.toContain('attached as an image');
    expect(mail.parsed.text).toContain('boom');
  });
});
