// Offline checks on merged settings. Each failure is ONE line: what is wrong, then how to fix it.
// Nothing here talks to AWS or the Controller; preflight does that later.

import { isStrategy, STRATEGIES } from '../../runbooks/index.js';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import { DEFAULTS, type Settings } from '../runbook/settings.js';

const usage = (message: string): UserFacingError => new UserFacingError(message, EXIT.usage);

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
// Multi-Region keys have ids like mrk-<32 hex>; they are valid wherever a key id is.
const KEY_ID = `(?:${UUID}|mrk-[0-9a-fA-F]{32})`;
const ALIAS_NAME = 'alias/[A-Za-z0-9/_-]+';
const ARN_PREFIX = 'arn:aws[-a-z]*:kms:([a-z0-9-]+):(\\d{12}):';
const KMS_FORMS: ReadonlyArray<{ re: RegExp; arn: boolean }> = [
  { re: new RegExp(`^${KEY_ID}$`), arn: false },
  { re: new RegExp(`^${ALIAS_NAME}$`), arn: false },
  { re: new RegExp(`^${ARN_PREFIX}key/${KEY_ID}$`), arn: true },
  { re: new RegExp(`^${ARN_PREFIX}${ALIAS_NAME}$`), arn: true },
];
// us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, ap-southeast-2 ...
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;


export function unknownStrategyError(given: string): UserFacingError {
  return usage(`unknown strategy "${given}": use --strategy with one of ${STRATEGIES.join(', ')}`);
}

/** Parses a number from a flag, config key or env var; `from` names that source in the error. */
export function positiveNumber(raw: unknown, from: string, unit: 'milliseconds' | 'minutes'): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0) {
    const got = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
    const example = unit === 'minutes' ? '30' : '10000';
    throw usage(`${from} must be a positive number of ${unit} (got ${got}): set it to e.g. ${example}`);
  }
  return n;
}

/** `--poll-interval`: MAX (looks at most MAX ms apart, at least min(1 s, MAX)), or MIN-MAX, in milliseconds. */
export function pollInterval(raw: unknown, from: string): { pollIntervalMs: number; pollMinMs: number } {
  const range = typeof raw === 'string' ? /^\s*([^\s-]+)\s*-\s*([^\s-]+)\s*$/.exec(raw) : null;
  const ms = (v: unknown): number => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isFinite(n) && n > 0) return n;
    throw usage(`${from} must be a positive number of milliseconds or MIN-MAX (got ${JSON.stringify(String(raw))}): set it to e.g. 1000-60000`);
  };
  if (!range) {
    const max = ms(raw);
    return { pollIntervalMs: max, pollMinMs: Math.min(DEFAULTS.pollMinMs, max) };
  }
  const [min, max] = [ms(range[1]), ms(range[2])];
  if (min > max) throw usage(`${from} ${range[0].trim()}: the shortest gap comes first (MIN-MAX in milliseconds, e.g. 1000-60000)`);
  return { pollIntervalMs: max, pollMinMs: min };
}

/** AVI_ENCRYPT_DURATION_SCALE: what `lab up` writes for its time scale; the real world is 1. */
export function durationScale(raw: string, from: string): number {
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0 && n <= 10)) throw usage(`${from} must be a number > 0 and <= 10 (got ${JSON.stringify(raw)}): the lab's time scale, 1 (or unset) in the real world`);
  return n;
}

/** Throws the first problem found, so the user fixes one thing at a time with a precise hint. */
export function validateSettings(s: Omit<Settings, 'runbook'>, io: { readFile: (p: string) => string }): void {
  // '' is every runbook at once (verify, doctor).
  if (s.strategy !== '' && !isStrategy(s.strategy)) {
    throw usage(`unknown strategy "${s.strategy}": use --strategy with one of ${STRATEGIES.join(', ')}`);
  }
  validateController(s.avi.controller);
  validateRegion(s.aws.region);
  validateKmsKey(s.kmsKey, s.aws.region);
  if (s.avi.caBundle !== undefined) validateCaBundle(s.avi.caBundle, io.readFile);
  // parseCommand already checked each source; this guards Settings built elsewhere (lab, tests).
  const min = s.pollMinMs ?? s.pollIntervalMs;
  if (!(Number.isFinite(s.pollIntervalMs) && s.pollIntervalMs > 0 && Number.isFinite(min) && min > 0 && min <= s.pollIntervalMs)) {
    throw usage('poll interval must be a positive number of milliseconds, or MIN-MAX: fix --poll-interval or AVI_ENCRYPT_POLL_INTERVAL');
  }
  if (!(Number.isFinite(s.waitTimeoutMs) && s.waitTimeoutMs > 0)) {
    throw usage('wait timeout must be a positive number of minutes: fix --wait-timeout or AVI_ENCRYPT_WAIT_TIMEOUT');
  }
}

export function validateController(controller: string): void {
  if (!controller) {
    throw usage('Controller address is not set: set --controller or AVI_CONTROLLER (e.g. https://10.0.0.10)');
  }
  let url: URL;
  try {
    url = new URL(controller);
  } catch {
    throw usage(`--controller "${controller}" is not a URL: use https://<controller-address>[:port]`);
  }
  // Credentials in the URL would put the password in argv and shell history.
  if (url.username || url.password) {
    throw usage('--controller must not contain a user or password: set --username, and the password via AVI_PASSWORD');
  }
  // The password goes out in the login body: never over plain HTTP, not even on loopback.
  if (url.protocol !== 'https:') {
    throw usage(`--controller "${controller}" must use https:// (the Avi password is sent at login): use https://${url.host || '<controller-address>'}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw usage(`--controller "${controller}" has a path: give only ${url.protocol}//${url.host}`);
  }
}

export function validateRegion(region: string): void {
  if (!region) throw usage('AWS region is not set: set --region, AWS_REGION or AWS_DEFAULT_REGION (e.g. us-east-1)');
  if (!REGION.test(region)) {
    throw usage(`AWS region "${region}" is not a region name: set --region to one like us-east-1`);
  }
}

export function validateKmsKey(kmsKey: string, region: string): void {
  const form = KMS_FORMS.find((f) => f.re.test(kmsKey));
  if (!form) {
    throw usage(
      `KMS key "${kmsKey}" is not a key id, key ARN, alias (alias/<name>) or alias ARN: set --kms-key or AVI_ENCRYPT_KMS_KEY, e.g. alias/avi`,
    );
  }
  const keyRegion = form.arn ? form.re.exec(kmsKey)?.[1] : undefined;
  // EBS can only use a key from the volume's own region.
  if (keyRegion !== undefined && keyRegion !== region) {
    throw usage(
      `KMS key ARN is in ${keyRegion} but the region is ${region}: use a key from ${region} or set --region ${keyRegion}`,
    );
  }
}

export function validateCaBundle(path: string, readFile: (p: string) => string): void {
  try {
    readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw usage(`CA bundle "${path}" cannot be read (${code}): point --ca-bundle or AVI_ENCRYPT_CA_BUNDLE at a PEM file`);
  }
}
