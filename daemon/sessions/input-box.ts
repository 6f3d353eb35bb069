/**
 * What sits in Claude Code's input box, read from `capture-pane -e` (with attributes), or null when the
 * screen shows no input box. Claude Code draws hints in the empty box ("Press up to edit queued
 * messages", prompt suggestions) in dim text, the first character under the reverse-video cursor: those
 * are not text anyone typed, and plain `capture-pane -p` cannot tell them apart. Checked on 2.1.197 and
 * 2.1.332: typed text is never dim.
 */
export function inputBoxText(escapedScreen: string): string | null {
  return promptLine(stripPlaceholders(escapedScreen));
}

interface Cell {
  ch: string;
  dim: boolean;
  reverse: boolean;
}

/** The screen as plain text, without dim characters (and the cursor cell that starts a dim run). */
export function stripPlaceholders(escaped: string): string {
  const state = { dim: false, reverse: false };
  return escaped
    .split('\n')
    .map((line) => {
      const cells = parseLine(line, state);
      return cells
        .filter((c, i) => !c.dim && !(c.reverse && cells[i + 1]?.dim))
        .map((c) => c.ch)
        .join('');
    })
    .join('\n');
}

function parseLine(line: string, state: { dim: boolean; reverse: boolean }): Cell[] {
  const cells: Cell[] = [];
  // eslint-disable-next-line no-control-regex
  const re = /\u001b\[([0-9;:]*)([A-Za-z])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[()][A-Za-z0-9]|\u001b.|([^\u001b]+)/gu;
  for (const m of line.matchAll(re)) {
    if (m[3] !== undefined) {
      for (const ch of m[3]) cells.push({ ch, dim: state.dim, reverse: state.reverse });
    } else if (m[2] === 'm') applySgr(m[1] ?? '', state);
  }
  return cells;
}

function applySgr(params: string, state: { dim: boolean; reverse: boolean }): void {
  const p = params === '' ? [0] : params.split(';').map((x) => Number(x.split(':')[0]) || 0);
  for (let i = 0; i < p.length; i++) {
    const n = p[i]!;
    if (n === 0) {
      state.dim = false;
      state.reverse = false;
    } else if (n === 2) state.dim = true;
    else if (n === 22) state.dim = false;
    else if (n === 7) state.reverse = true;
    else if (n === 27) state.reverse = false;
    // 38;5;N / 48;5;N / 58;5;N and 38;2;R;G;B: their numbers are colours, not attributes ("2" is not dim there).
    else if (n === 38 || n === 48 || n === 58) i += p[i + 1] === 5 ? 2 : p[i + 1] === 2 ? 4 : 0;
  }
}

/** The text in Claude Code's input box: the last `❯`/`>` line between the box's rules; null if none. */
export function promptLine(screen: string): string | null {
  const lines = screen.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^\s*[❯>]\s?(.*)$/.exec(lines[i]!);
    if (m && i > 0 && /^[─━-]{10,}/.test(lines[i - 1]!.trim())) {
      const rest = [m[1]!];
      for (let j = i + 1; j < lines.length && !/^[─━-]{10,}/.test(lines[j]!.trim()); j++) rest.push(lines[j]!.trim());
      return rest.join('\n').trimEnd();
    }
  }
  return null;
}

/**
 * Whether the input box shows `text` (as typed: wrapped at the box's width, continuation lines indented), or
 * the collapsed "[Pasted text #N +M lines]" that Claude Code draws for a long or multi-line paste.
 */
export function boxHolds(box: string, text: string): boolean {
  const squash = (t: string): string => t.replace(/\s+/g, '');
  if (squash(box) === '') return false;
  if (squash(box) === squash(text)) return true;
  return /^\[Pasted text #\d+(?: \+\d+ lines?)?\]$/.test(box.trim()) && (text.includes('\n') || text.length > 800);
}
