import { describe, expect, it } from 'vitest';
import { decodeCallback, encodeCallback, type CallbackAction } from '../../../daemon/channels/telegram/callback-data.js';

describe('callback data for voice transcripts', () => {
  it.each([
    [{ type: 'voiceSend', note: 1 }, 'vs:1'],
    [{ type: 'voiceCancel', note: 123456789 }, 'vc:123456789'],
  ] as [CallbackAction, string][])('%j ↔ %s', (action, data) => {
    expect(encodeCallback(action)).toBe(data);
    expect(decodeCallback(data)).toEqual(action);
  });

  it.each(['vs:', 'vs:abc', 'vs:1:2', 'vc:-1', 'vs:1.5', `vs:${'9'.repeat(20)}`])('refuses %j', (data) => {
    expect(decodeCallback(data)).toBeNull();
  });
});
