/**
 * What a session is blocked on and a person should see first: permissions, questions (Claude's
 * AskUserQuestion, ask_user) and dialogs. A screen nobody recognises is only a guess after
 * `stuck_seconds` of stillness, so it waits its turn like any other message.
 */
export const isUrgent = (kind: string): boolean => kind === 'permission' || kind === 'question' || kind === 'dialog';
