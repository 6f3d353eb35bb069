import type { AuditEntry } from '../store/audit.js';
import type { SessionInfo } from '../events/types.js';

/** Pure renderers for the CLI's human output. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function sessionsTable(sessions: SessionInfo[], now = Date.now()): string {
  if (sessions.length === 0) return 'No sessions. Start one with `csm new <path>`.';
  return table([
    ['ID', 'STATUS', 'STARTED', 'LAST OUTPUT', 'FOLDER'],
    ...sessions.map((s) => [s.id, s.pending ? `${s.status} (${s.pending.title})` : s.status, ago(s.started_at, now), ago(s.last_output_at, now), s.cwd]),
  ]);
}

export function sessionDetails(s: SessionInfo, now = Date.now()): string {
  const lines = [
    `Session ${s.id}: ${s.status}${s.exit_code !== null ? ` (exit code ${s.exit_code})` : ''}`,
    `  folder:       ${s.cwd}`,
    `  tmux session: ${s.tmux_session}`,
    `  started:      ${ago(s.started_at, now)}`,
    `  last output:  ${ago(s.last_output_at, now)}`,
  ];
  if (s.pending) {
    lines.push(`  waiting on:   ${s.pending.kind} "${s.pending.title}" (request ${s.pending.request_id})`);
    if (s.pending.detail) lines.push(...s.pending.detail.split('\n').slice(0, 12).map((l) => `                ${l}`));
    const p = s.pending;
    const how =
      p.kind === 'screen'
        ? `csm keys ${s.id} <key...> (${p.options.map((o) => o.key).join(', ')}), or csm send ${s.id} <text>`
        : `${p.options.map((o) => `${o.key} (${o.label})`).join(', ')}${p.multi_select ? `; several: csm answer ${s.id} "1,3"` : ''}${p.kind === 'question' && p.allows_text ? '; or your own words' : ''}`;
    lines.push(`  answer with:  ${how}`);
  }
  if (s.last_message) lines.push(`  last message: ${s.last_message.split('\n').slice(0, 8).join('\n                ')}`);
  return lines.join('\n');
}

/** An audit entry as GET /audit sends it (`at` as an ISO time). */
export type AuditRow = Omit<AuditEntry, 'at'> & { at: string };

export function auditTable(rows: AuditRow[]): string {
  if (rows.length === 0) return 'Nothing in the audit log for that.';
  const oneLine = (s: string, max: number): string => {
    const flat = s.replace(/\s+/g, ' ');
    return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
  };
  return table([
    ['WHEN', 'WHO', 'SESSION', 'ACTION', 'WHAT', 'OUTCOME'],
    ...rows.map((r) => [
      r.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      [r.channel, r.name ?? r.user].filter(Boolean).join(' '),
      r.session_id ?? '-',
      r.action,
      oneLine(r.detail ?? '', 60),
      r.outcome === 'ok' ? 'ok' : `error: ${oneLine(r.error ?? '', 80)}`,
    ]),
  ]);
}
