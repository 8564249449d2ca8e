import { describe, expect, it } from '@jest/globals';
import { REDACTED, Redactor } from '../../src/engine/redact.js';

describe('Redactor', () => {
  it('redacts secret-named keys deep in objects and arrays, and deep-copies', () => {
    const input = {
      avi: { username: 'admin', password: 'Pa55word!' },
      headers: [{ Authorization: 'Basic YWRtaW46UGE1NXdvcmQh', Cookie: 'sessionid=abc' }],
      aws: { credentials: { accessKeyId: 'AKIA', secretAccessKey: 'x' }, sessionToken: 'tok' },
      backupPassphrase: 'hunter22',
      X_CSRFToken: 'csrf',
      count: 3,
      ok: true,
      none: null,
    };
    const out = r().redact(input);
    expect(out).toEqual({
      avi: { username: 'admin', password: REDACTED },
      headers: [{ Authorization: REDACTED, Cookie: REDACTED }],
      aws: { credentials: REDACTED, sessionToken: REDACTED },
      backupPassphrase: REDACTED,
      X_CSRFToken: REDACTED,
      count: 3,
      ok: true,
      none: null,
    });
    expect(input.avi.password).toBe('Pa55word!'); // input untouched
    expect(out.avi).not.toBe(input.avi);
  });

  it('keeps EC2 idempotency tokens (clientToken / ClientToken)', () => {
    const out = r().redact({ ClientToken: 'avi-encrypt-run1-step3', clientToken: 'c', token: 't' });
    expect(out).toEqual({ ClientToken: 'avi-encrypt-run1-step3', clientToken: 'c', token: REDACTED });
  });

  it('replaces registered values inside any string, including JSON- and URL-encoded forms', () => {
    const red = new Redactor(['s3cr"et/pw', 'ab']); // 'ab' is too short to register
    red.add('passphrase-XYZ');
    const out = red.redact({
      message: 'login failed for body {"password":"s3cr\\"et/pw"} and s3cr"et/pw',
      url: '/login?pw=s3cr%22et%2Fpw',
      nested: [['backup with passphrase-XYZ done']],
      about: 'ab stays',
    });
    expect(out).toEqual({
      message: `login failed for body {"password":"${REDACTED}"} and ${REDACTED}`,
      url: `/login?pw=${REDACTED}`,
      nested: [[`backup with ${REDACTED} done`]],
      about: 'ab stays',
    });
    expect(red.redact('top-level s3cr"et/pw')).toBe(`top-level ${REDACTED}`);
  });

  it('turns Errors (top-level and nested) into plain, redacted data', () => {
    const red = new Redactor(['Pa55word!']);
    const aws = Object.assign(new Error('denied for Pa55word!'), {
      name: 'UnauthorizedOperation',
      code: 'UnauthorizedOperation',
      $metadata: { requestId: 'req-1' },
    });
    expect(red.redact(aws)).toEqual({
      name: 'UnauthorizedOperation',
      message: `denied for ${REDACTED}`,
      code: 'UnauthorizedOperation',
      requestId: 'req-1',
    });
    const wrapped = new Error('step failed', { cause: new TypeError('bad Pa55word!') });
    expect(red.redact({ err: wrapped })).toEqual({
      err: { name: 'Error', message: 'step failed', cause: { name: 'TypeError', message: `bad ${REDACTED}` } },
    });
    expect(JSON.stringify(red.redact({ err: wrapped }))).not.toContain('{}');
  });

  it('cuts cycles but copies shared references', () => {
    const shared = { ip: '10.10.1.12' };
    const a: Record<string, unknown> = { name: 'a', left: shared, right: shared };
    a.self = a;
    const list: unknown[] = [1];
    list.push(list);
    expect(r().redact(a)).toEqual({ name: 'a', left: shared, right: shared, self: '[Circular]' });
    expect(r().redact(list)).toEqual([1, '[Circular]']);
  });

  it('leaves primitives alone and handles Map, Set, Date, buffers', () => {
    const red = r();
    expect(red.redact(42)).toBe(42);
    expect(red.redact(undefined)).toBeUndefined();
    expect(red.redact(new Map([['token', 'x'], ['a', 'b']]))).toEqual({ token: REDACTED, a: 'b' });
    expect(red.redact(new Set(['a']))).toEqual(['a']);
    const d = new Date('2026-11-27T09:30:12Z');
    expect(red.redact(d)).toEqual(d);
    expect(red.redact({ body: Buffer.from('abc') })).toEqual({ body: '[binary 3 bytes]' });
  });
});

function r(): Redactor {
  return new Redactor();
}
