import { describe, expect, it } from 'vitest';
import { inboxFileName, nextInboxSeq, sanitizeFileName } from '../../../daemon/inbox-name.js';

const long = 'a'.repeat(400);

describe('sanitizeFileName: a sender\'s file name → one safe path component', () => {
  it.each([
    ['report.pdf', { stem: 'report', ext: 'pdf' }],
    ['Quarterly Report (final).PDF', { stem: 'Quarterly_Report_final', ext: 'pdf' }],
    ['../../x', { stem: 'x', ext: '' }],
    ['../../../etc/passwd', { stem: 'passwd', ext: '' }],
    ['/etc/shadow', { stem: 'shadow', ext: '' }],
    ['C:\\Users\\me\\notes.txt', { stem: 'notes', ext: 'txt' }],
    ['..', { stem: '', ext: '' }],
    ['.', { stem: '', ext: '' }],
    ['', { stem: '', ext: '' }],
    ['.bashrc', { stem: 'bashrc', ext: '' }],
    ['.env.local', { stem: 'env', ext: 'local' }],
    ['-rf.sh', { stem: 'rf', ext: 'sh' }],
    ['a\u0000b.txt', { stem: 'a_b', ext: 'txt' }],
    ['evil\u202Etxt.exe', { stem: 'evil_txt', ext: 'exe' }],
    ['line\nbreak.md', { stem: 'line_break', ext: 'md' }],
    ['Ünïcødé 日本語.txt', { stem: 'Ünïcødé_日本語', ext: 'txt' }],
    ['emoji 🎉 party.png', { stem: 'emoji_party', ext: 'png' }],
    ['a..b...c.tar.gz', { stem: 'a_b_c.tar', ext: 'gz' }],
    ['name.with.a.very-long-extension', { stem: 'name.with.a.very-long-extension', ext: '' }],
    ['$(rm -rf ~);`id`.txt', { stem: 'rm_-rf_id', ext: 'txt' }],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toEqual(expected);
  });

  it('cuts very long names to fit a file system, never inside a character', () => {
    expect(Buffer.byteLength(sanitizeFileName(`${long}.txt`).stem)).toBe(120);
    const wide = sanitizeFileName(`${'日'.repeat(200)}.txt`);
    expect(Buffer.byteLength(wide.stem)).toBeLessThanOrEqual(120);
    expect(wide.stem).toBe('日'.repeat(40));
    const emoji = sanitizeFileName('é'.repeat(61));
    expect(emoji.stem).toBe('é'.repeat(60));
  });
});

describe('inboxFileName and nextInboxSeq', () => {
  it.each([
    ['2026-12-01', 1, null, 'jpg', '2026-12-01-1.jpg'],
    ['2026-12-01', 2, 'report.pdf', '', '2026-12-01-2-report.pdf'],
    ['2026-12-01', 3, '../../x', '', '2026-12-01-3-x'],
    ['2026-12-01', 4, '../../x', 'txt', '2026-12-01-4-x.txt'],
    ['2026-12-01', 5, '..', 'bin', '2026-12-01-5.bin'],
    ['2026-12-01', 6, '.hidden', '', '2026-12-01-6-hidden'],
  ] as const)('%s #%d of %j (fallback %j) → %s', (date, seq, original, ext, expected) => {
    expect(inboxFileName(date, seq, original, ext)).toBe(expected);
  });

  it('every name is one component that fits 255 bytes, whatever the sender chose', () => {
    for (const hostile of ['../../x', '/abs/path', long, `${'日'.repeat(300)}.${'x'.repeat(50)}`, '\u0000', 'a/../../b', '..\\..\\c']) {
      const name = inboxFileName('2026-12-01', 9999, hostile, 'bin');
      // eslint-disable-next-line no-control-regex -- a NUL must never survive
      expect(name).not.toMatch(/[/\\\u0000]/);
      expect(name.startsWith('2026-12-01-9999')).toBe(true);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    }
  });

  it.each([
    [[], 1],
    [['2026-12-01-1.jpg', '2026-12-01-2-report.pdf'], 3],
    [['2026-12-01-9.jpg', '2026-12-01-10'], 11],
    [['2026-11-30-5.jpg', 'notes.txt', '2026-12-01-x.jpg'], 1],
  ] as const)('next counter after %j is %d', (existing, next) => {
    expect(nextInboxSeq('2026-12-01', existing)).toBe(next);
  });
});
