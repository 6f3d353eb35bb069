import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../daemon/inbox-name.js';
import { conversation, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { FakeTelegramBotApi } from '../fakes/telegram-bot-api.js';
import { claudeVersions, prepareClaudeHome, workspace } from '../helpers/claude.js';
import { newIdleSessionWait, type DaemonHandle } from '../helpers/daemon.js';
import { jpeg, pocketsphinxCommand, speakVoiceNote } from '../helpers/speech.js';
import { button, newSessionFromChat, startTelegramDaemon, textOf } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Photos, files and voice from the (fake) Telegram chat into real Claude Code sessions, through the real
 * daemon: files land in the session's .csm/inbox/ and Claude gets the path; a voice note spoken by
 * espeak-ng, encoded as Telegram encodes voice notes and recognised by pocketsphinx becomes the prompt.
 */
describe.each(claudeVersions())('Telegram photos, files and voice with Claude Code $label', ({ bin, label }) => {
  let api: FakeAnthropic;
  let tg: FakeTelegramBotApi;
  let d: DaemonHandle;
  let root: string;
  let project: string;

  beforeAll(async () => {
    const ws = workspace(`csm-media-${label}`);
    ({ root, project } = ws);
    api = await startFakeAnthropic();
    tg = await FakeTelegramBotApi.start();
    d = await startTelegramDaemon(tg, {
      claudeBin: bin,
      claudeEnv: prepareClaudeHome({ dir: ws.home, apiUrl: api.url, trustedDirs: [project] }),
      config: { voice: { command: pocketsphinxCommand(root), timeout_seconds: 30 } },
    });
  });
  afterAll(async () => {
    await d?.cleanup();
    await tg?.close();
    await api?.close();
  });

  /** Waits until Claude got a prompt containing `needle`, and the turn is over. */
  const promptReached = async (id: string, needle: string): Promise<void> => {
    await api.waitForRequest((r) => r.mainTurn && conversation(r).includes(needle), 30_000);
    await newIdleSessionWait(d, id, 30_000);
  };

  it('a spoken voice note: transcribed by pocketsphinx, shown with Send, and after Send Claude gets the words', async () => {
    const { id, root: rootMsg } = await newSessionFromChat(tg, d, project);
    const note = await speakVoiceNote(root, 'please run the tests');
    api.reply({ text: 'Running the tests now.' });
    const voice = tg.userSends({ voice: note, replyTo: rootMsg.message_id });
    // "🎤 Transcribing…" at once, edited into the transcript when pocketsphinx is done.
    const shown = await tg.waitForMessage((m) => m.reply_to === voice.message_id && textOf(m).startsWith('🎤 "'), 30_000);
    expect(textOf(shown)).toBe('🎤 "please run the tests"');
    expect(shown.edits.map((e) => e.text)).toEqual(['🎤 Transcribing…']);
    expect(api.requests.some((r) => r.mainTurn && conversation(r).includes('please run the tests'))).toBe(false);
    tg.userTaps(shown.message_id, button(shown, '➤ Send'));
    await promptReached(id, 'please run the tests');
    // 👍 = Claude Code's UserPromptSubmit hook confirmed the text.
    await tg.waitUntil(() => (tg.chatMessages().find((m) => m.message_id === voice.message_id)?.reactions.includes('👍') ? true : undefined), 15_000, 'the 👍 on the voice note');
    await tg.waitForMessage((m) => textOf(m).startsWith(`✅ ${id} finished`) && textOf(m).includes('Running the tests now.'), 30_000);
    expect(tg.files.downloads.some((p) => p.startsWith('voice/'))).toBe(true);
  });

  /** Every `File: <path>` Claude was given, in the order of the requests. */
  const typedPaths = (): string[] =>
    api.requests.filter((r) => r.mainTurn).flatMap((r) => [...conversation(r).matchAll(/File: (\.\/\.csm\/inbox\/[^"\\\s]+)/g)].map((m) => m[1]!));

  it('a photo and documents with hostile names land inside .csm/inbox/, and Claude receives each path', async () => {
    const { id, root: rootMsg } = await newSessionFromChat(tg, d, project);
    const day = localDate(Date.now());
    const inbox = join(project, '.csm', 'inbox');
    const before = (() => {
      try {
        return readdirSync(inbox).length;
      } catch {
        return 0;
      }
    })();
    const photo = await jpeg(root);
    tg.userSends({ photo: { bytes: photo, width: 320, height: 240 }, caption: 'what is in this picture?', replyTo: rootMsg.message_id });
    const photoPath = `./.csm/inbox/${day}-${before + 1}.jpg`;
    await promptReached(id, `Photo: ${photoPath} — what is in this picture?`);
    expect(readFileSync(resolve(project, photoPath)).equals(photo)).toBe(true);

    const hostile = ['../../x', `${'very-long-name-'.repeat(30)}.txt`, 'Ünïcødé 日本語 ✓.md'];
    for (const [i, file_name] of hostile.entries()) {
      tg.userSends({ document: { file_name, content: `contents of file ${i}` }, replyTo: rootMsg.message_id });
      const typed = await waitFor(() => typedPaths().find((p) => readFileSync(resolve(project, p), 'utf8') === `contents of file ${i}`), { timeoutMs: 30_000, message: `the path of ${file_name} in a prompt` }).catch((err: Error) => {
        const prompts = api.requests.filter((r) => r.mainTurn).map((r) => conversation(r).slice(-400));
        throw new Error(`${err.message}\nlast prompts: ${prompts.slice(-2).join('\n')}\nchat: ${tg.botMessages().slice(-4).map(textOf).join('\n')}`);
      });
      expect(dirname(resolve(project, typed))).toBe(inbox);
      await newIdleSessionWait(d, id, 30_000);
    }
    const names = readdirSync(inbox);
    expect(names).toContain(`${day}-${before + 2}-x`);
    expect(names.find((n) => n.startsWith(`${day}-${before + 3}-very-long-name`))!.length).toBeLessThan(160);
    expect(names).toContain(`${day}-${before + 4}-Ünïcødé_日本語.md`);
    // Nothing escaped: the project and the folder above it hold only what the test and Claude Code made.
    expect(readdirSync(root).filter((n) => !/^(claude-home|project|phrases\.jsgf|say\.(wav|ogg)|pattern-.*\.jpg)$/.test(n))).toEqual([]);
    expect(readdirSync(project).filter((n) => n !== '.csm' && n !== '.claude')).toEqual([]);
    expect(readdirSync(join(project, '.csm')).sort()).toEqual(['.gitignore', 'inbox']);
  });
});
