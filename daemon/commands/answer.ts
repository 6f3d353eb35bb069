import { CommandError } from '../errors.js';
import { permissionChoice } from '../events/choices.js';
import { keyName, tmuxKey, type KeyName } from '../events/keys.js';
import type { Origin } from '../events/types.js';
import { keysToChoose } from '../screen/classify.js';
import { validateInputText } from '../sessions/input-text.js';
import type { Panes } from '../sessions/pane.js';
import { alwaysPermissions, newRequestId, pickOption, screenOptions } from '../sessions/pending.js';
import { answerFromChoice, answeredInput, questionRequest } from '../sessions/questions.js';
import { answerQuestionOnScreen } from '../sessions/screen-answer.js';
import type { ScreenWatch } from '../sessions/screen-watch.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { SessionRecord } from '../sessions/session-store.js';
import type { Commands } from './types.js';

export interface AnswerDeps {
  manager: SessionManager;
  screens: ScreenWatch;
  panes: Panes;
}

/** Presses keypad keys in the session's pane, one at a time; a dialog that goes away now was answered by `origin`. */
export async function pressKeys(d: AnswerDeps, s: SessionRecord, keys: KeyName[], origin: Origin): Promise<void> {
  const pane = await d.panes.open(s);
  d.screens.notePressed(s.id, origin);
  await pane.pressOneByOne(keys.map(tmuxKey));
}

/**
 * A screen nobody recognises: a keypad key is pressed; anything else is typed, then Enter. The request
 * stays until the screen changes (the screen watch shows the new one, or sees it has moved on).
 */
async function answerScreen(d: AnswerDeps, s: SessionRecord, choice: string, origin: Origin): Promise<{ outcome: string }> {
  const key = keyName(choice);
  if (key) {
    await pressKeys(d, s, [key], origin);
    return { outcome: `pressed ${key}` };
  }
  const checked = validateInputText(choice);
  if (!checked.ok) throw new CommandError('bad_request', checked.reason);
  const pane = await d.panes.open(s);
  d.screens.notePressed(s.id, origin);
  await pane.type(checked.text);
  await pane.press('Enter');
  return { outcome: `typed: ${checked.text}` };
}

/**
 * Answers a session's pending request, whatever waits on it: an MCP ask_user call, an AskUserQuestion or a
 * permission through its hook, a dialog or a question on the screen (keys pressed after checking it is still
 * there), or a screen nobody recognises.
 */
export function createAnswer(d: AnswerDeps): Commands['answer'] {
  const m = d.manager;
  return async (id, input, origin) => {

    const s = m.getLive(id);
    const entry = m.pending(s.id);
    if (!entry || (input.request_id && entry.request.request_id !== input.request_id)) {
      throw new CommandError('conflict', `That request of session ${s.id} was already resolved; nothing was sent.`);
    }
    const { request, source } = entry;
    const choice = input.choice.trim();
    if (choice === '') throw new CommandError('bad_request', 'choice is empty: give allow, allow_always, deny, or an option number or label.');

    if (source.type === 'ask') {
      const byKey = request.options.find((o) => o.key === choice || o.label.toLowerCase() === choice.toLowerCase());
      const answer = byKey ? byKey.label : input.choice;
      source.respond({ answered: true, answer, channel: origin.channel });
      m.resolvePending(s.id, request.request_id, `answered: ${answer}`, origin, 'running');
      return { outcome: `answered: ${answer}` };
    }

    if (source.type === 'hook' && source.questions) {
      const flow = source.questions;
      const parsed = answerFromChoice(request, input.choice);
      if ('error' in parsed) throw new CommandError('bad_request', parsed.error);
      const step = request.step ?? { index: 0, count: 1, header: '' };
      flow.answers[flow.questions[step.index]!.question] = parsed.answer;
      const outcome = `answered: ${parsed.answer}`;
      if (step.index + 1 < flow.questions.length) {
        m.nextStep(s.id, request.request_id, outcome, origin, questionRequest(flow.questions, step.index + 1, newRequestId(), m.now()));
        return { outcome };
      }
      source.respond({ behavior: 'allow', updatedInput: answeredInput(flow.input, flow.answers) });
      d.screens.noteHookAnswered(s.id);
      m.resolvePending(s.id, request.request_id, outcome, origin, 'running');
      return { outcome };
    }

    if (source.type === 'hook') {
      const c = permissionChoice(choice);
      let decision;
      if (c === 'allow') decision = { behavior: 'allow' as const };
      else if (c === 'allow_always') {
        if (source.suggestions.length === 0) throw new CommandError('bad_request', 'This request offers no "always allow": choose allow or deny.');
        decision = { behavior: 'allow' as const, updatedPermissions: alwaysPermissions(source.suggestions) };
      } else if (c === 'deny') {
        decision = { behavior: 'deny' as const, message: input.message?.trim() || `Denied by the owner (${origin.channel}).` };
      } else throw new CommandError('bad_request', `"${input.choice}" is not an answer to a permission request: use allow, allow_always or deny.`);
      const outcome = decision.behavior === 'deny' ? `denied${input.message ? `: ${input.message}` : ''}` : c === 'allow_always' ? 'always allowed' : 'allowed';
      // Respond before resolving, so the hook carries the decision rather than the release's "no decision".
      source.respond(decision);
      d.screens.noteHookAnswered(s.id);
      m.resolvePending(s.id, request.request_id, outcome, origin, 'running');
      return { outcome };
    }

    if (request.kind === 'screen') return answerScreen(d, s, choice, origin);

    // A dialog on the screen: press the keys for the chosen option, after checking it is still there.
    const screen = await d.screens.read(s);
    if (!screen || (screen.kind !== 'permission' && screen.kind !== 'trust' && screen.kind !== 'dialog' && screen.kind !== 'question')) {
      m.resolvePending(s.id, request.request_id, 'the dialog was gone', { channel: 'terminal' });
      throw new CommandError('conflict', `The dialog in session ${s.id} is no longer on screen (answered in the terminal?); nothing was pressed.`);
    }
    const pane = await d.panes.open(s);
    if (screen.kind === 'question') {
      const parsed = answerFromChoice({ options: screenOptions(screen), multi_select: screen.multi_select, allows_text: screen.allows_text }, input.choice);
      if ('error' in parsed) throw new CommandError('bad_request', parsed.error);
      d.screens.noteAnswered(s.id, screen);
      const done = await answerQuestionOnScreen(pane, screen.question, parsed.labels ? { labels: parsed.labels } : { text: parsed.answer }).catch((err: unknown) => {
        if (err instanceof RangeError) throw new CommandError('conflict', `The question on screen in session ${s.id} changed (${err.message}); look with \`csm output ${s.id}\` and answer again.`);
        throw err;
      });
      if (!done) throw new CommandError('unavailable', `Session ${s.id} did not take the answer on screen; look with \`csm output ${s.id}\`. The question is still open.`);
      const outcome = `answered: ${parsed.answer}`;
      m.resolvePending(s.id, request.request_id, outcome, origin, 'running');
      await lookAgain(d, s.id);
      return { outcome };
    }
    const options = screen.options.map((o, i) => ({ key: String(o.number ?? i + 1), label: o.label }));
    const picked = pickOption(options, choice, screen.kind === 'permission' ? 'permission' : 'other');
    if (typeof picked === 'string') throw new CommandError('bad_request', picked);
    const keys = keysToChoose(screen.options, picked);
    d.screens.noteAnswered(s.id, screen);
    await pane.pressOneByOne(keys);
    const outcome = `chose "${options[picked]!.label}"`;
    m.resolvePending(s.id, request.request_id, outcome, origin, 'running');
    await lookAgain(d, s.id);
    return { outcome };
  };
}

/**
 * "running" after a dialog answered on screen is a guess: Claude Code may already be back at its prompt (a
 * trust dialog: its SessionStart hook and its last output can both come while the keys are still being
 * pressed). Nothing would move the status after that, so the screen is read once more now.
 */
async function lookAgain(d: AnswerDeps, sessionId: string): Promise<void> {
  const s = d.manager.find(sessionId);
  if (s && s.status !== 'dead') await d.screens.checkMany([s]).catch(() => undefined);
}
