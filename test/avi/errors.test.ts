import { describe, expect, it } from '@jest/globals';
import { errorBodyMessage, isTlsError, isTransientNetworkError, redact, tlsError } from '../../src/avi/errors.js';
import { CookieJar } from '../../src/avi/cookies.js';

describe('Avi error helpers', () => {
  it('reads {"error": ...} bodies, plain text, and ignores HTML pages', () => {
    expect(errorBodyMessage('{"error": "Cloud with this name already exists."}')).toBe('Cloud with this name already exists.');
    expect(errorBodyMessage('CSRF token missing or incorrect.\n')).toBe('CSRF token missing or incorrect.');
    expect(errorBodyMessage('<!DOCTYPE html><html>502</html>')).toBe('');
    expect(errorBodyMessage('')).toBe('');
  });

  it('redacts long secrets everywhere and short ones only as whole tokens', () => {
    expect(redact('pw=Hunter2!x and Hunter2!x', ['Hunter2!x'])).toBe('pw=*** and ***');
    expect(redact('a+b user a+b a+bc', ['a+b'])).toBe('*** user *** a+bc');
    expect(redact('nothing', [''])).toBe('nothing');
  });

  it('classifies TLS and transient network failures', () => {
    expect(isTlsError({ code: 'SELF_SIGNED_CERT_IN_CHAIN' })).toBe(true);
    expect(isTlsError({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })).toBe(true);
    expect(isTlsError({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isTransientNetworkError({ code: 'ECONNRESET' })).toBe(true);
    expect(isTransientNetworkError({ message: 'socket hang up' })).toBe(true);
    expect(isTransientNetworkError({ code: 'ENOTFOUND' })).toBe(false);
    for (const code of ['CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
      const err = tlsError('https://ctrl', { code });
      expect(err.kind).toBe('tls');
      expect(err.message).toContain('https://ctrl');
      expect(err.message).toContain('--ca-bundle <pem>');
    }
  });

  it('keeps cookies, rotates and deletes them', () => {
    const jar = new CookieJar();
    jar.absorb(['csrftoken=a; Path=/', 'avi-sessionid=s1; HttpOnly']);
    expect(jar.header()).toBe('csrftoken=a; avi-sessionid=s1');
    jar.absorb(['csrftoken=b; Path=/', 'avi-sessionid=; Max-Age=0']);
    expect(jar.header()).toBe('csrftoken=b');
    jar.clear();
    expect(jar.header()).toBeUndefined();
  });
});
