/**
 * A pane's text made to read on a phone, pure. A terminal 200 columns wide sends full-width rules, long
 * gaps and runs of blank lines that wrap into noise on a narrow screen; they are shortened here. What
 * does not fit one message is left out from the top (the bottom of a screen is what matters: the prompt,
 * the dialog), and the caller offers the image for the whole screen.
 */

/** A rule this long still reads as a rule and fits a phone's width in monospace. */
export const RULE_WIDTH = 24;
/** Spaces inside a line beyond this many (right-aligned footers) are cut to GAP. */
const LONG_GAP = 6;
const GAP = '   ';
const RULE = /^(\s*)([─━═╌╍┄┅┈┉\-_])\2{11,}\s*$/u;

export interface PhoneScreen {
  text: string;
  /** Lines (after tidying) left out from the top because the message was full. */
  dropped: number;
}

/** One line: trailing blanks cut, a rule shortened, long gaps inside shortened. Leading indent stays. */
export function tidyLine(line: string): string {
  const trimmed = line.trimEnd();
  const rule = RULE.exec(trimmed);
  if (rule) return `${rule[1]!.slice(0, 2)}${rule[2]!.repeat(RULE_WIDTH)}`;
  const indent = /^\s*/.exec(trimmed)![0];
  return indent + trimmed.slice(indent.length).replace(new RegExp(` {${LONG_GAP},}`, 'g'), GAP);
}

/** Tidied lines, no blank line at either end, and never two blank lines in a row. */
export function tidyScreen(screen: string): string[] {
  const out: string[] = [];
  for (const raw of screen.split('\n')) {
    const line = tidyLine(raw);
    if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** The tidied screen, cut from the top to at most `budget` characters. */
export function fitScreen(screen: string, budget: number): PhoneScreen {
  const lines = tidyScreen(screen);
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const cost = line.length + (kept.length > 0 ? 1 : 0);
    if (used + cost > budget) break;
    kept.unshift(line);
    used += cost;
  }
  while (kept[0] === '') kept.shift();
  const dropped = lines.length - kept.length - (lines.length > kept.length && lines[lines.length - kept.length - 1] === '' ? 1 : 0);
  return { text: kept.join('\n'), dropped: Math.max(0, dropped) };
}
