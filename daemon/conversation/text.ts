/** Text helpers every channel's rendering shares. Pure. */

/** Cuts `text` to `max` characters, saying so: for previews only, never for the content itself. */
export function preview(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * A short line diff for a permission prompt: the common head and tail are dropped, what remains is shown
 * as `- old` / `+ new`, at most `maxLines` per side, with a note saying how much was left out.
 */
export function shortDiff(oldText: string, newText: string, maxLines = 12): string {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const removed = a.slice(head, a.length - tail);
  const added = b.slice(head, b.length - tail);
  const side = (lines: string[], mark: string): string[] => {
    const shown = lines.slice(0, maxLines).map((l) => `${mark} ${l}`);
    if (lines.length > maxLines) shown.push(`${mark} … ${lines.length - maxLines} more line${lines.length - maxLines === 1 ? '' : 's'}`);
    return shown;
  };
  const out = [...side(removed, '-'), ...side(added, '+')];
  return out.length > 0 ? out.join('\n') : '(no change)';
}
