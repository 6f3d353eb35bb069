/**
 * Errors that say what to do. Every channel shows `message` to a person as it is, and the HTTP layer maps
 * `code` to a status, so the message must make sense on its own ("Session a1b2 is not running: ...").
 */
export type CommandErrorCode =
  | 'bad_request' // the input is wrong: 400
  | 'not_found' // no such session or request: 404
  | 'conflict' // the session or request is in another state (dead, already answered): 409
  | 'unavailable' // a part we rely on is missing or down (tmux, claude, a channel): 503
  | 'timeout'; // nobody answered in time: 504

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const httpStatusOf: Record<CommandErrorCode, number> = {
  bad_request: 400,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  timeout: 504,
};
