import { describe, expect, it } from 'vitest';
import { handshakeRefusal, isBadFrameError } from '../../../feeds/socket-errors.ts';

const upgradeAnswered = (status: number): Error => new Error(`Unexpected server response: ${status}`);

describe('handshakeRefusal', () => {
  it.each([
    [401, 'auth_failed'],
    [403, 'auth_failed'],
    [429, 'rate_limited'],
    [451, 'not_entitled'],
  ])('reads an upgrade answered %i as the refusal %s', (status, reason) => {
    expect(handshakeRefusal(upgradeAnswered(status))).toBe(reason);
  });

  it('leaves other statuses and network errors as ordinary failures', () => {
    expect(handshakeRefusal(upgradeAnswered(503))).toBeUndefined();
    expect(handshakeRefusal(upgradeAnswered(404))).toBeUndefined();
    expect(handshakeRefusal(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBeUndefined();
    expect(handshakeRefusal(new Error('Unexpected server response: 401 and more'))).toBeUndefined();
  });
});

describe('isBadFrameError', () => {
  it('knows the receiver errors of a bad frame and nothing else', () => {
    expect(
      isBadFrameError(Object.assign(new Error('too big'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' })),
    ).toBe(true);
    expect(isBadFrameError(Object.assign(new Error('bad utf-8'), { code: 'WS_ERR_INVALID_UTF8' }))).toBe(
      true,
    );
    expect(isBadFrameError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isBadFrameError(new Error('no code'))).toBe(false);
  });
});
