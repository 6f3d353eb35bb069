import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../daemon/logger.js';
import { TranscriptFollower, type TranscriptEvent } from '../../daemon/sessions/transcript-follow.js';
import { Store } from '../../daemon/store/store.js';
import { waitFor } from '../helpers/wait.js';

// Lines written by the real CLI (test/fixtures/capture-transcripts.ts), appended to a real file the way Claude Code does.
const LINES = readFileSync(join(import.meta.dirname, '../fixtures/transcripts/2.1.197.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => `${l}\n`);
const texts = (events: TranscriptEvent[]): string[] => events.map((e) => (e.kind === 'assistant_text' ? e.text : e.kind === 'tool_call' ? `${e.tool} ${e.summary}` : `→ ${e.summary}`));

describe('TranscriptFollower on a real file', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  function setup(dir = mkdtempSync(join(tmpdir(), 'csm-tfollow-'))) {
    const store = new Store(join(dir, 'csm.db'));
    const events: TranscriptEvent[] = [];
    const follower = new TranscriptFollower({ store, emit: (_id, e) => events.push(e), log: silentLogger, pollMs: 50 });
    cleanup.push(() => {
      follower.stop();
      store.close();
    });
    return { dir, store, events, follower, file: join(dir, 'projects', 's.jsonl') };
  }

  it('waits for a missing file, reads only complete lines, and each entry once', async () => {
    const t = setup();
    t.follower.follow('a1', t.file);
    expect(t.events).toEqual([]);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(t.dir, 'projects'));
    writeFileSync(t.file, LINES.slice(0, 7).join(''));
    await waitFor(() => t.events.length === 1, { message: 'the first text' });
    // Half a line: nothing until it is complete.
    const next = LINES[7]!;
    appendFileSync(t.file, next.slice(0, 100));
    t.follower.read('a1');
    expect(t.events).toHaveLength(1);
    appendFileSync(t.file, next.slice(100));
    await waitFor(() => t.events.length === 2, { message: 'the completed line' });
    appendFileSync(t.file, LINES.slice(8).join(''));
    await waitFor(() => t.events.length === 11, { message: 'the rest' });
    expect(texts(t.events)).toEqual([
      'Let me run the tests first.', 'Bash echo tests passed', '→ tests passed', 'Read notes.txt', expect.stringMatching(/^→ 1\tfirst line/),
      'Edit notes.txt', expect.stringMatching(/^→ The file/), 'Bash exit 3', '→ Exit code 3', expect.stringMatching(/^All done/), 'A short second answer.',
    ]);
    const turns = [...new Set(t.events.map((e) => e.turn_id))];
    expect(turns).toHaveLength(2);
  });

  it('after a restart goes on where it stopped; a new session starts at the end of an existing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csm-tfollow-'));
    const file = join(dir, 's.jsonl');
    writeFileSync(file, LINES.slice(0, 7).join(''));
    const first = setup(dir);
    first.follower.follow('a1', file);
    // Seen for the first time with history in it: nothing replayed.
    expect(first.events).toEqual([]);
    appendFileSync(file, LINES.slice(7, 9).join(''));
    first.follower.read('a1');
    expect(texts(first.events)).toEqual(['Bash echo tests passed', '→ tests passed']);
    first.follower.stop();
    first.store.close();
    cleanup.shift();

    appendFileSync(file, LINES.slice(9, 11).join(''));
    const second = setup(dir);
    second.follower.follow('a1', file);
    expect(texts(second.events)).toEqual(['Read notes.txt', expect.stringMatching(/^→ 1\tfirst line/)]);
    // The turn learned before the restart is kept: the same turn id as the first daemon's events.
    expect(second.events[0]!.turn_id).toBe(first.events[0]!.turn_id);
  });

  it('reads a truncated or replaced file from its start', () => {
    const t = setup();
    const file = join(t.dir, 's.jsonl');
    writeFileSync(file, '');
    t.follower.follow('a1', file);
    appendFileSync(file, LINES.slice(0, 7).join(''));
    t.follower.read('a1');
    expect(t.events).toHaveLength(1);
    writeFileSync(file, LINES.slice(17, 21).join(''));
    t.follower.read('a1');
    expect(texts(t.events)).toEqual(['Let me run the tests first.', 'A short second answer.']);
    const other = join(t.dir, 'other.jsonl');
    writeFileSync(other, LINES.slice(0, 7).join(''));
    rmSync(file);
    renameSync(other, file);
    t.follower.read('a1');
    expect(texts(t.events).at(-1)).toBe('Let me run the tests first.');
    expect(t.events).toHaveLength(3);
  });
});
