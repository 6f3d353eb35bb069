import { describe, expect, it } from 'vitest';
import { isLoopbackHost, tokenMatches } from '../../../daemon/http/security.js';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1:8420', true],
    ['localhost:8420', true],
    ['LOCALHOST', true],
    ['[::1]:8420', true],
    ['evil.example:8420', false],
    ['127.0.0.1.evil.example', false],
    ['localhost.evil.example:8420', false],
    [undefined, false],
  ])('%s → %s', (host, ok) => expect(isLoopbackHost(host)).toBe(ok));
});

describe('tokenMatches', () => {
  it.each([
    ['Bearer secret-token', true],
    ['Bearer secret-tokenX', false],
    ['bearer secret-token', false],
    ['secret-token', false],
    [undefined, false],
  ])('%s → %s', (header, ok) => expect(tokenMatches(header, 'secret-token')).toBe(ok));
});
