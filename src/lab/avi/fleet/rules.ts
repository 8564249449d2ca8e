// What the Controller accepts on writes to clouds, SE groups and SEs: PUT takes the whole object,
// PATCH takes {"add"|"replace"|"delete": {...}} on top-level fields [D171-patch]. Error texts are
// the lab's, in Avi's {"error": "..."} envelope; their exact wording is UNVERIFIED.

import type { Cloud } from '../../../avi/types.js';
import type { SeGroup } from '../config.js';
import { HttpError } from '../http.js';
import { ENABLE_STATES, HA_MODES, PLACEMENT_ALGOS, type EnableState } from './model.js';

type Body = Record<string, any>;

const ENCRYPTION_MODES = new Set(['AWS_ENCRYPTION_MODE_NONE', 'AWS_ENCRYPTION_MODE_SSE_KMS']);
/** AwsEncryption.master_key is a KMS key ARN [GOM-enc]; the docs give the form arn:aws:kms:REGION:ACCOUNT:key/ID. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]+$/;
const READ_ONLY = ['url', 'tenant_ref', 'uuid'];

/** PATCH semantics: add appends to lists and sets fields, replace sets fields, delete removes them. */
export function applyPatch(current: Body, body: Body): Body {
  const ops = Object.keys(body);
  if (ops.length === 0 || ops.some((k) => !['add', 'replace', 'delete'].includes(k) || typeof body[k] !== 'object' || body[k] === null)) {
    throw new HttpError(400, 'PATCH body must be {"add": {...}}, {"replace": {...}} or {"delete": {...}}');
  }
  const next: Body = { ...current };
  for (const [k, v] of Object.entries(body.replace ?? {})) next[k] = v;
  for (const [k, v] of Object.entries(body.add ?? {})) next[k] = Array.isArray(next[k]) && Array.isArray(v) ? [...next[k], ...v] : v;
  for (const [k, v] of Object.entries(body.delete ?? {})) {
    if (Array.isArray(next[k]) && Array.isArray(v)) next[k] = next[k].filter((x: unknown) => !v.some((y) => JSON.stringify(y) === JSON.stringify(x)));
    else delete next[k];
  }
  return next;
}

function strip(b: Body): Body {
  const out = { ...b };
  for (const k of READ_ONLY) delete out[k];
  return out;
}

function sameObject(b: Body, uuid: string): void {
  if (b.uuid !== undefined && b.uuid !== uuid) throw new HttpError(400, `uuid ${b.uuid} does not match ${uuid}`);
  if (typeof b.name !== 'string' || b.name === '') throw new HttpError(400, 'name: This field is required.');
}

export function validateCloud(b: Body, old: Cloud): Cloud {
  sameObject(b, old.uuid);
  if (b.vtype !== old.vtype) throw new HttpError(400, `vtype cannot change from ${old.vtype} (got ${b.vtype})`);
  const aws = b.aws_configuration;
  for (const f of ['ebs_encryption', 's3_encryption'] as const) {
    const enc = aws?.[f];
    if (enc === undefined) continue;
    if (typeof enc !== 'object' || enc === null) throw new HttpError(400, `aws_configuration.${f}: expected an object {mode, master_key}`);
    if (enc.mode !== undefined && !ENCRYPTION_MODES.has(enc.mode)) throw new HttpError(400, `aws_configuration.${f}.mode: "${enc.mode}" is not a valid choice.`);
    if (enc.master_key !== undefined && enc.master_key !== '' && (typeof enc.master_key !== 'string' || !KMS_KEY_ARN.test(enc.master_key))) {
      throw new HttpError(400, `aws_configuration.${f}.master_key: "${enc.master_key}" is not an AWS KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)`);
    }
  }
  if (old.vtype === 'CLOUD_AWS') {
    // AwsConfiguration.vpc_id is required [GOM-aws]; a PATCH that replaces aws_configuration must carry it.
    if (typeof aws !== 'object' || aws === null) throw new HttpError(400, 'aws_configuration: This field is required for a CLOUD_AWS cloud.');
    for (const f of ['region', 'vpc_id']) if (typeof aws[f] !== 'string' || aws[f] === '') throw new HttpError(400, `aws_configuration.${f}: This field is required.`);
  }
  return { ...strip(b), uuid: old.uuid } as Cloud;
}

const RANGES: Record<string, [number, number]> = {
  max_se: [0, 1000], min_se: [0, 1000], buffer_se: [0, 1000], min_scaleout_per_vs: [1, 64], max_scaleout_per_vs: [1, 64], max_vs_per_se: [1, 1000],
};

/** `seCount`: SEs the group has now; ha_mode cannot change under them (lab rule, UNVERIFIED). */
export function validateGroup(b: Body, old: SeGroup, seCount: number): SeGroup {
  sameObject(b, old.uuid);
  for (const [f, [min, max]] of Object.entries(RANGES)) {
    const v = b[f];
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new HttpError(400, `${f}: ${JSON.stringify(v)} is not an integer from ${min} to ${max}`);
  }
  if (b.ha_mode !== undefined && !(HA_MODES as readonly string[]).includes(b.ha_mode)) throw new HttpError(400, `ha_mode: "${b.ha_mode}" is not a valid choice.`);
  if (b.algo !== undefined && !(PLACEMENT_ALGOS as readonly string[]).includes(b.algo)) throw new HttpError(400, `algo: "${b.algo}" is not a valid choice.`);
  const haMode = b.ha_mode ?? 'HA_MODE_SHARED';
  if (haMode !== old.ha_mode && seCount > 0) throw new HttpError(400, `ha_mode cannot change while SE group ${old.name} has ${seCount} Service Engine(s)`);
  const { cloud_ref, ...rest } = strip(b);
  return { ...rest, uuid: old.uuid, cloud_uuid: old.cloud_uuid, max_se: b.max_se ?? 10, ha_mode: haMode, se_name_prefix: b.se_name_prefix ?? 'Avi' } as SeGroup;
}

/** A ref in a request body names the object by uuid (`.../api/<type>/<uuid>[#name]`) or by name (`/api/<type>?name=<name>`) [TF-play]. */
function refersTo(value: unknown, target: { uuid: string; name: string }): boolean {
  if (typeof value !== 'string') return true;
  const url = new URL(value.split('#')[0]!, 'https://controller.invalid');
  const byName = url.searchParams.get('name');
  return byName !== null ? byName === target.name : url.pathname.split('/').pop() === target.uuid;
}

/** The SE fields an API write may change here: enable_state (a PUT without it means the default, enabled). */
export function validateSe(b: Body, current: { uuid: string; group: { uuid: string; name: string } }): EnableState {
  sameObject(b, current.uuid);
  const state = b.enable_state ?? 'SE_STATE_ENABLED';
  if (!(ENABLE_STATES as readonly string[]).includes(state)) throw new HttpError(400, `enable_state: "${state}" is not a valid choice.`);
  if (!refersTo(b.se_group_ref, current.group)) {
    throw new HttpError(400, 'se_group_ref: moving a Service Engine to another SE group is not supported in the lab (and is not graceful on a real Controller)');
  }
  return state as EnableState;
}
