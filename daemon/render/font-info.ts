/**
 * The few facts the renderer needs from a TrueType/OpenType file (or the first face of a collection): the
 * family name to ask resvg for, and the advance and ascent that size a terminal cell. Pure: bytes in.
 */
export interface FontInfo {
  family: string;
  /** Advance width of a cell, in em. */
  advance: number;
  /** Ascent and descent, in em (descent positive). */
  ascent: number;
  descent: number;
}

export function readFontInfo(buf: Buffer): FontInfo {
  let base = 0;
  if (buf.toString('latin1', 0, 4) === 'ttcf') base = buf.readUInt32BE(12);
  const tables = new Map<string, number>();
  const count = buf.readUInt16BE(base + 4);
  for (let i = 0; i < count; i++) {
    const rec = base + 12 + i * 16;
    tables.set(buf.toString('latin1', rec, rec + 4), buf.readUInt32BE(rec + 8));
  }
  const head = tables.get('head');
  const hhea = tables.get('hhea');
  const name = tables.get('name');
  if (head === undefined || hhea === undefined || name === undefined) throw new Error('not a TrueType/OpenType font (no head, hhea or name table)');
  const unitsPerEm = buf.readUInt16BE(head + 18);
  const ascent = buf.readInt16BE(hhea + 4) / unitsPerEm;
  const descent = -buf.readInt16BE(hhea + 6) / unitsPerEm;
  const advance = buf.readUInt16BE(hhea + 10) / unitsPerEm;
  return { family: familyName(buf, name), advance: Math.min(0.7, Math.max(0.45, advance)), ascent, descent };
}

/** Name id 16 (typographic family) or 1 (family), Windows Unicode first, then Mac Roman. */
function familyName(buf: Buffer, table: number): string {
  const count = buf.readUInt16BE(table + 2);
  const strings = table + buf.readUInt16BE(table + 4);
  const found = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const rec = table + 6 + i * 12;
    const platform = buf.readUInt16BE(rec);
    const id = buf.readUInt16BE(rec + 6);
    if (id !== 1 && id !== 16) continue;
    const len = buf.readUInt16BE(rec + 8);
    const start = strings + buf.readUInt16BE(rec + 10);
    const raw = buf.subarray(start, start + len);
    const text = platform === 3 || platform === 0 ? utf16be(raw) : raw.toString('latin1');
    const key = `${id}:${platform === 1 ? 'mac' : 'win'}`;
    if (!found.has(key)) found.set(key, text);
  }
  const family = found.get('16:win') ?? found.get('1:win') ?? found.get('16:mac') ?? found.get('1:mac');
  if (!family) throw new Error('the font has no family name');
  return family;
}

function utf16be(raw: Buffer): string {
  const swapped = Buffer.from(raw);
  swapped.swap16();
  return swapped.toString('utf16le');
}
