import { z } from 'zod';
import type { PendingRequest } from '../events/types.js';

/**
 * Claude Code's own question tool, AskUserQuestion: its input (as the PermissionRequest hook gives it), the
 * pending request for each of its questions, and the owner's answer. Pure.
 *
 * The answer goes back through the waiting PermissionRequest hook as `allow` with `updatedInput` holding
 * `answers`, keyed by question text (facts file; checked on 2.1.197 and 2.1.332): Claude Code then shows no
 * dialog and hands the model exactly those answers.
 */
const optionSchema = z.looseObject({ label: z.string().min(1), description: z.string().optional() });
const questionSchema = z.looseObject({
  question: z.string().min(1),
  header: z.string().optional(),
  options: z.array(optionSchema).default([]),
  multiSelect: z.boolean().optional(),
});
const inputSchema = z.looseObject({ questions: z.array(questionSchema).min(1).max(8) });

export type AskedQuestion = z.infer<typeof questionSchema>;

export const ASK_USER_QUESTION = 'AskUserQuestion';

/** The questions of an AskUserQuestion call, or null when its input is not what we know (then it is a plain permission). */
export function parseAskUserQuestion(toolInput: Record<string, unknown>): AskedQuestion[] | null {
  const parsed = inputSchema.safeParse(toolInput);
  return parsed.success ? parsed.data.questions : null;
}

/** The pending request for question `index` of `questions`. Every AskUserQuestion question also takes free text ("Other"). */
export function questionRequest(questions: AskedQuestion[], index: number, requestId: string, now: number): PendingRequest {
  const q = questions[index]!;
  const header = q.header?.trim() || `Question ${index + 1}`;
  const options = q.options.map((o, i) => ({ key: String(i + 1), label: o.label, ...(o.description ? { description: o.description } : {}) }));
  return {
    request_id: requestId,
    kind: 'question',
    title: q.question,
    detail: [q.question, ...options.map((o) => `${o.key}. ${o.label}${o.description ? ` — ${o.description}` : ''}`)].join('\n'),
    options,
    allows_text: true,
    multi_select: q.multiSelect === true,
    step: { header, index, count: questions.length },
    tool_name: ASK_USER_QUESTION,
    created_at: now,
  };
}

/**
 * What the owner's reply means as an answer to `request`: an option's number or label; for a multi-select
 * question several of them ("1,3", "1 3", "Login, Export"); anything else is their own words. A number that
 * is no option is an error rather than a literal "5", which is what the person surely did not mean.
 */
export function answerFromChoice(
  request: Pick<PendingRequest, 'options' | 'multi_select' | 'allows_text'>,
  choice: string,
): { answer: string; labels?: string[] } | { error: string } {
  const c = choice.trim();
  const labels = request.options.map((o) => o.label);
  const list = request.options.map((o) => `${o.key} (${o.label})`).join(', ');
  const one = (part: string): string | null => {
    const p = part.trim().toLowerCase();
    const byKey = request.options.find((o) => o.key.toLowerCase() === p);
    if (byKey) return byKey.label;
    return labels.find((l) => l.toLowerCase() === p) ?? null;
  };
  const single = one(c);
  if (single !== null) return { answer: single, labels: [single] };
  if (request.multi_select) {
    const parts = (c.includes(',') ? c.split(',') : /^\d+(\s+\d+)+$/.test(c) ? c.split(/\s+/) : [c]).map((p) => p.trim()).filter((p) => p !== '');
    const picked = parts.map(one);
    if (parts.length > 1 && picked.every((p) => p !== null)) {
      // In the order the options are listed, each once: "3,1,1" and "1,3" mean the same.
      const chosen = labels.filter((l) => picked.includes(l));
      return { answer: chosen.join(', '), labels: chosen };
    }
  }
  if (/^\d+(\s*[, ]\s*\d+)*$/.test(c) && request.options.length > 0) {
    return { error: `"${c}" is not one of the options: ${list}${request.multi_select ? ' (several: "1,3")' : ''}.` };
  }
  if (!request.allows_text) return { error: `"${c}" is not one of the options: ${list}.` };
  return { answer: c };
}

/** The hook's `updatedInput`: the questions as asked, with the answers keyed by question text. */
export function answeredInput(toolInput: Record<string, unknown>, answers: Record<string, string>): Record<string, unknown> {
  return { ...toolInput, answers };
}
