import type { ScreenOption, ScreenState } from './types.js';

/**
 * Classifies a Claude Code screen (tmux capture-pane text) the way a person reads it. Pure.
 *
 * Claude Code draws its live area at the bottom of the screen, below the last full-width rule (─):
 * either the input box (rule, `❯` line, rule, footer) or a dialog (rule, title, text, a `❯` cursor on one
 * of the options, footer). Anything above that rule is transcript: text there that merely looks like a
 * dialog ("Do you want to proceed?" in a code block) is output, not a dialog.
 */
export function classifyScreen(raw: string): ScreenState {
  const lines = raw.replaceAll('\u00a0', ' ').split('\n').map((l) => l.trimEnd());
  const rules = lines.flatMap((l, i) => (isRule(l) ? [i] : []));
  const last = rules.at(-1);
  if (last === undefined) return { kind: 'unknown' };
  const prev = rules.at(-2);

  // The input box: the last two rules enclose a `❯` line (the prompt may span a few lines).
  if (prev !== undefined && last - prev <= 12 && /^❯/.test(lines[prev + 1] ?? '')) {
    const footer = lines.slice(last + 1).join('\n');
    const above = lines.slice(Math.max(0, prev - 4), prev).join('\n');
    if (/esc to interrupt/i.test(footer) || SPINNER.test(above)) return { kind: 'busy', queued: queuedMessages(lines, prev) };
    return { kind: 'idle' };
  }

  // The question dialog draws its options above the last rule and "Chat about this" below it.
  if (prev !== undefined && lines.slice(last + 1).some((l) => /^\s*\d+\.\s+Chat about this\s*$/.test(l))) {
    const q = questionDialog(lines.slice(prev + 1));
    if (q) return q;
  }

  const region = trimBlank(lines.slice(last + 1));
  const block = optionBlock(region);
  if (!block) return { kind: 'unknown' };
  const text = region.map((l) => l.trim()).join('\n').trim();
  const before = region.slice(0, block.start).map((l) => l.trim());
  // The last step of a several-question dialog lists the answers ("→ Small") above its options.
  const question = /^Review your answers$/m.test(region.map((l) => l.trim()).join('\n'))
    ? REVIEW_QUESTION
    : (before.filter((l) => l !== '' && !isSeparator(l)).at(-1) ?? '');

  if (/trust this folder|Accessing workspace|Do you trust/i.test(text)) {
    const at = before.findIndex((l) => /^Accessing workspace/i.test(l));
    const path = before.slice(at + 1).find((l) => l.startsWith('/') || l.startsWith('~')) ?? '';
    return { kind: 'trust', path, question: 'Do you trust the files in this folder?', options: block.options };
  }

  const q = before.findIndex((l) => /^Do you want to /.test(l));
  if (q >= 0) {
    const body = before.slice(0, q).filter((l) => l !== '' && !isSeparator(l));
    const [title = '', ...rest] = body;
    const detail = rest.filter((l) => !/^Tip:/.test(l)).join('\n');
    return { kind: 'permission', title, detail, question: before[q]!, options: block.options };
  }

  return { kind: 'dialog', question, options: block.options, text };
}

/**
 * The tmux keys that pick `options[target]`: arrows from the highlighted option, then Enter. Works in
 * every dialog, numbered or not (newer versions list "No, exit" first and ignore digits in some dialogs).
 */
export function keysToChoose(options: ScreenOption[], target: number): string[] {
  if (target < 0 || target >= options.length) throw new RangeError(`no option ${target + 1} (there are ${options.length})`);
  const from = Math.max(0, options.findIndex((o) => o.selected));
  const moves = target - from;
  return [...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'), 'Enter'];
}

/** The question of the last step of Claude Code's question dialog, where the answers are submitted. */
export const REVIEW_QUESTION = 'Review your answers: submit them?';

export type QuestionScreen = Extract<ScreenState, { kind: 'question' }>;
/** What the owner chose in a question dialog: options by label, or their own words. */
export type QuestionTarget = { labels: readonly string[] } | { text: string };
/** The next thing to do in a question dialog on screen. */
export type QuestionStep = { key: 'Up' | 'Down' | 'Enter' } | { literal: string };

/**
 * The next key (or text) that brings the question dialog on screen closer to `target`, read off the screen
 * as it is now, so a key the program missed is simply pressed again: move to the option and Enter; for a
 * multi-select question flip each box that differs (Enter toggles, the cursor stays), then Submit; for own
 * words the "Type something" row, the text (`typed` once done), Enter.
 */
export function nextQuestionStep(screen: QuestionScreen, target: QuestionTarget, typed: boolean): QuestionStep {
  const rows = screen.rows;
  const at = Math.max(0, rows.findIndex((r) => r.selected));
  const rowOf = (pred: (label: string) => boolean, what: string): number => {
    const i = rows.findIndex((r) => pred(r.label));
    if (i < 0) throw new RangeError(`the dialog has no ${what} row`);
    return i;
  };
  const toward = (i: number): QuestionStep => (i === at ? { key: 'Enter' } : { key: i > at ? 'Down' : 'Up' });
  if ('text' in target) {
    if (typed) return { key: 'Enter' };
    const row = rowOf((l) => /^Type something\.?$/.test(l), '"Type something"');
    return row === at ? { literal: target.text } : toward(row);
  }
  const wanted = target.labels.map((label) => rowOf((l) => l === label, `"${label}"`));
  if (!screen.multi_select) return toward(wanted[0]!);
  const differs = rows.findIndex((r, i) => r.checked !== undefined && !/^Type something/.test(r.label) && r.checked !== wanted.includes(i));
  return toward(differs >= 0 ? differs : rowOf((l) => l === 'Submit', 'Submit'));
}

/**
 * Messages typed while Claude works, shown above the input box until Claude Code sends them. 2.1.197 lists
 * them as "  ❯ text" lines right above the box; newer versions as "❯ text" lines followed by "⎿  Queued".
 * The box then reads "Press up to edit queued messages".
 */
function queuedMessages(lines: string[], boxTop: number): string[] {
  if (!/^❯\s*Press up to edit queued messages/.test(lines[boxTop + 1] ?? '')) return [];
  const marker = lines.slice(0, boxTop).findLastIndex((l) => /^\s+⎿\s+Queued\b/.test(l));
  // Upwards from the marker (or the box) over the "❯" lines, which newer versions space with blank lines.
  const queued: string[] = [];
  for (let i = (marker >= 0 ? marker : boxTop) - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (!/^\s*❯ \S/.test(line)) break;
    queued.unshift(line.replace(/^\s*❯ /, '').trim());
  }
  return queued;
}

/**
 * The question dialog (between the rule above it and the footer): a tab line ("☐ Colour", or
 * "←  ☐ Colour  ☐ Size  ✔ Submit  →" for several questions), the question, then numbered rows, each
 * optionally followed by its description on deeper-indented lines. Multi-select rows carry "[ ]" / "[✔]",
 * and an unnumbered "Submit" row follows them.
 */
function questionDialog(region: string[]): ScreenState | null {
  const tabsAt = region.findIndex((l) => /(^|\s)[☐☒✔]\s+\S/.test(l));
  if (tabsAt < 0) return null;
  const tabs = region[tabsAt]!.replace(/[←→]/g, '').trim().split(/\s{2,}/).map((t) => ({ done: t.startsWith('☒'), name: t.replace(/^[☐☒✔]\s*/, '') }));
  const header = (tabs.find((t) => !t.done && t.name !== 'Submit') ?? tabs[0])?.name ?? '';
  const rows: ScreenOption[] = [];
  const question: string[] = [];
  for (const raw of region.slice(tabsAt + 1)) {
    const l = raw.trim();
    if (/Enter to select|Esc to cancel/.test(l)) break;
    if (l === '' || isRule(l)) continue;
    const row = /^(❯\s*)?(\d+)\.\s+(.*)$/.exec(l);
    if (row) {
      rows.push({ number: Number(row[2]), label: row[3]!.trim(), selected: row[1] !== undefined });
    } else if (/^(❯\s*)?Submit$/.test(l)) {
      rows.push({ number: null, label: 'Submit', selected: l.startsWith('❯') });
    } else if (rows.length === 0) {
      question.push(l);
    } else {
      const o = rows.at(-1)!;
      o.description = o.description ? `${o.description} ${l}` : l;
    }
  }
  const multi = rows.some((r) => /^\[.\]\s/.test(r.label));
  for (const r of rows) {
    const box = /^\[(.)\]\s+(.*)$/.exec(r.label);
    if (box) Object.assign(r, { label: box[2]!, checked: box[1] !== ' ' });
  }
  const special = (r: ScreenOption): boolean => /^Type something\.?$|^Chat about this$|^Submit$/.test(r.label);
  const options = rows.filter((r) => !special(r));
  if (question.length === 0 || options.length === 0) return null;
  return {
    kind: 'question', header, question: question.join(' '), options, rows, multi_select: multi,
    allows_text: rows.some((r) => /^Type something\.?$/.test(r.label)), text: trimBlank(region).map((l) => l.trim()).join('\n').trim(),
  };
}

/** A spinner line while Claude works: a glyph, a verb and "…" ("✢ Fluttering…", "· Considering…"). */
const SPINNER = /^\s*[·✢✳✶✻✽*●◐◓◑◒]\s+\S+…/m;

const isRule = (l: string): boolean => /^─{20,}$/.test(l.trim());
const isSeparator = (l: string): boolean => /^[╌─━-]{10,}$/.test(l.trim());

function trimBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  return lines.slice(0, end);
}

/**
 * The options around the `❯` cursor: consecutive lines whose text starts in the cursor's text column.
 * Deeper-indented lines continue the option above (a label wrapped at the pane's width).
 */
function optionBlock(region: string[]): { start: number; options: ScreenOption[] } | null {
  const cursorAt = region.findIndex((l) => /^\s*❯\s+\S/.test(l));
  if (cursorAt < 0) return null;
  const col = region[cursorAt]!.search(/❯/) + 2;
  const startsAt = (l: string): number => l.search(/\S/);
  const isOption = (i: number): boolean => {
    const l = region[i];
    return l !== undefined && (i === cursorAt || (startsAt(l) === col && !/^\s*❯/.test(l)));
  };
  let start = cursorAt;
  while (start > 0 && isOption(start - 1)) start--;
  const options: ScreenOption[] = [];
  for (let i = start; i < region.length; i++) {
    const l = region[i]!;
    if (isOption(i)) {
      const label = l.replace(/^\s*❯?\s*/, '');
      const numbered = /^(\d+)\.\s+(.*)$/.exec(label);
      options.push({ number: numbered ? Number(numbered[1]) : null, label: (numbered ? numbered[2]! : label).trim(), selected: i === cursorAt });
    } else if (options.length > 0 && l.trim() !== '' && startsAt(l) > col) {
      const o = options.at(-1)!;
      o.label = `${o.label} ${l.trim()}`;
    } else break;
  }
  return { start, options };
}
