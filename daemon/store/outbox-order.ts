/**
 * Which queued outbox rows may go out now. Pure, so the ordering rules are tested as a table.
 *
 * Within one lane (a session) order is kept, with one exception: an urgent row (a permission request, a
 * question, a dialog: something a session is blocked on) overtakes the ordinary rows queued before it, and
 * does not wait for one of them that is already on its way (grammY's throttler may hold an ordinary
 * message for seconds). It still waits for older urgent rows of its lane (a question's parts stay in
 * order) and for an older barrier (the session's root message, which it replies to). An ordinary row waits
 * for every older row of its lane, urgent ones included: a request's later "resolved" edit never overtakes
 * the request itself.
 */
export interface QueuedRow {
  id: number;
  lane: string;
  urgent: boolean;
  /** Nothing newer in the lane may pass it (a thread's root message). */
  barrier: boolean;
  nextAt: number;
}

export interface Startable {
  id: number;
  /**
   * Send it past any pacing guess (held back only by what the remote side answers): the row is urgent, or it
   * is a barrier that an urgent row waits for.
   */
  express: boolean;
}

/** `rows` in id order (oldest first); `inFlight` = ids being sent now. */
export function startable(rows: readonly QueuedRow[], inFlight: ReadonlySet<number>, now: number): Startable[] {
  const lanes = new Map<string, { older: number; urgentOrBarrier: number; barrierIds: number[] }>();
  const picked: Startable[] = [];
  const blockedBarriers = new Set<number>();
  for (const r of rows) {
    const lane = lanes.get(r.lane) ?? { older: 0, urgentOrBarrier: 0, barrierIds: [] };
    lanes.set(r.lane, lane);
    const free = r.urgent && !r.barrier ? lane.urgentOrBarrier === 0 : lane.older === 0;
    // An urgent row stuck behind a barrier makes that barrier express.
    if (r.urgent && lane.barrierIds.length > 0) for (const b of lane.barrierIds) blockedBarriers.add(b);
    if (free && !inFlight.has(r.id) && r.nextAt <= now) picked.push({ id: r.id, express: r.urgent });
    lane.older++;
    if (r.urgent || r.barrier) lane.urgentOrBarrier++;
    if (r.barrier) lane.barrierIds.push(r.id);
  }
  return picked.map((p) => (blockedBarriers.has(p.id) ? { ...p, express: true } : p));
}
