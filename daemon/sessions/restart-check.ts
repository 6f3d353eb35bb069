import type { Logger } from '../logger.js';
import type { InputTyper } from './input.js';
import type { InputLedger } from './input-ledger.js';
import type { SessionManager } from './session-manager.js';

/**
 * After a restart, every live session's input box is looked at before anything is typed into it: what the
 * ledger says was being typed is submitted, anything else is cleared, so no text is glued onto another.
 */
export async function settleInputBoxes(manager: SessionManager, typer: InputTyper, ledger: InputLedger, log: Logger): Promise<void> {
  await Promise.all(
    manager.live().map(async (s) => {
      const typing = ledger.typing(s.id);
      const outcome = await typer.settle(s, typing).catch((err: unknown) => ({ kind: 'skipped' as const, reason: String(err) }));
      if (outcome.kind === 'finished') {
        if (outcome.delivered) ledger.delivered(outcome.key);
        log.info({ session: s.id, key: outcome.key, delivered: outcome.delivered }, 'restart check: submitted the input that was typed before the daemon stopped');
      } else if (outcome.kind === 'cleared') {
        log.warn({ session: s.id, text: outcome.text, cleared: outcome.ok }, outcome.ok
          ? 'restart check: cleared text in the input box that csm did not type, so the next input is not glued to it'
          : 'restart check: could not clear the input box; inputs to this session are refused until it is empty (csm attach)');
      } else if (outcome.kind === 'skipped') log.debug({ session: s.id, reason: outcome.reason }, 'restart check: input box not looked at');
      // An API input that never reached the box is not retried by anyone: its caller saw the request fail.
      for (const e of typing) if (e.key.startsWith('api:') && !(outcome.kind === 'finished' && outcome.key === e.key)) ledger.dropped(e.key);
    }),
  );
}
