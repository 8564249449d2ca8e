// An IAM identity policy for the lab's credentials (`lab up --iam-policy FILE`), evaluated as the
// IAM policy-evaluation logic documents it for one identity policy: an explicit Deny wins, then
// an Allow, else the request is implicitly denied. No policy at all means allow-all.
// Modelled: Version, Statement (object or list), Sid, Effect, Action/NotAction and Resource/NotResource
// with `*` and `?` wildcards (actions case-insensitive). Not modelled, so refused when the file
// is read rather than silently widened: Condition, and Principal (which identity policies may not carry).

export interface IamStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions: string[];
  /** NotAction: the statement applies to every action except these. */
  notAction: boolean;
  resources: string[];
  notResource: boolean;
}

export interface IamPolicy {
  statements: IamStatement[];
}

export type Decision = 'allow' | 'implicit-deny' | 'explicit-deny';

const VERSIONS = ['2012-10-17', '2008-10-17'];
const ACTION = /^(\*|[a-z0-9-]+:[a-z0-9*?]+)$/i;

/** Reads a policy document; throws an Error naming what is wrong. */
export function parseIamPolicy(text: string): IamPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`the IAM policy is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new Error('the IAM policy must be a JSON object with Version and Statement');
  if (typeof doc['Version'] !== 'string' || !VERSIONS.includes(doc['Version'])) {
    throw new Error(`the IAM policy Version must be "2012-10-17" (or "2008-10-17"), got ${JSON.stringify(doc['Version'])}`);
  }
  const raw = doc['Statement'];
  const list = Array.isArray(raw) ? raw : [raw];
  if (raw === undefined || list.length === 0) throw new Error('the IAM policy has no Statement');
  return { statements: list.map((s, i) => statement(s, i + 1)) };
}

function statement(raw: unknown, n: number): IamStatement {
  const where = `Statement ${n}`;
  if (!isObject(raw)) throw new Error(`${where} must be an object`);
  if ('Principal' in raw || 'NotPrincipal' in raw) throw new Error(`${where}: an identity policy cannot name a Principal`);
  if ('Condition' in raw) throw new Error(`${where}: Condition is not modelled by the lab; remove it or widen the statement`);
  const effect = raw['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny') throw new Error(`${where}: Effect must be "Allow" or "Deny"`);
  const actions = oneOf(raw, 'Action', 'NotAction', where);
  for (const a of actions.values) if (!ACTION.test(a)) throw new Error(`${where}: "${a}" is not an action (service:Action, wildcards allowed)`);
  const resources = oneOf(raw, 'Resource', 'NotResource', where);
  for (const r of resources.values) if (r !== '*' && !r.startsWith('arn:')) throw new Error(`${where}: resource "${r}" is neither "*" nor an ARN`);
  return {
    ...(typeof raw['Sid'] === 'string' ? { sid: raw['Sid'] } : {}),
    effect,
    actions: actions.values,
    notAction: actions.negated,
    resources: resources.values,
    notResource: resources.negated,
  };
}

function oneOf(raw: Record<string, unknown>, name: string, notName: string, where: string): { values: string[]; negated: boolean } {
  if ((name in raw) === (notName in raw)) throw new Error(`${where} needs exactly one of ${name} and ${notName}`);
  const negated = notName in raw;
  const value = raw[negated ? notName : name];
  const values = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) {
    throw new Error(`${where}: ${negated ? notName : name} must be a string or a list of strings`);
  }
  return { values, negated };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function glob(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function applies(s: IamStatement, action: string, resource: string): boolean {
  const actionHit = s.actions.some((p) => glob(p, 'i').test(action));
  const resourceHit = s.resources.some((p) => glob(p, '').test(resource));
  return actionHit !== s.notAction && resourceHit !== s.notResource;
}

/** The decision for one action on one resource ARN (`*` for actions without resource-level permissions). */
export function decide(policy: IamPolicy | undefined, action: string, resource: string): Decision {
  if (!policy) return 'allow';
  const hits = policy.statements.filter((s) => applies(s, action, resource));
  if (hits.some((s) => s.effect === 'Deny')) return 'explicit-deny';
  return hits.length ? 'allow' : 'implicit-deny';
}
