/**
 * A webhook payload to the pages to render: what `isr serve`'s revalidation endpoint and
 * `isr regen --payload` share, so a saved payload is mapped, checked and verified exactly as the
 * live call would have been. A refused call throws an IsrError: `PAYLOAD_INVALID` (HTTP 400,
 * exit 5) or `PAYLOAD_UNVERIFIED` (HTTP 401, exit 5).
 */
import { describeError, IsrError } from '../errors.js';
import { checkNamedPath } from '../plan/page-rules.js';
import type { RevalidateTarget, WebhookIgnored, WebhookMapper, WebhookRequest, WebhookVerify } from '../types.js';

/** Largest payload read (a webhook body, a `--payload` file); a larger one is refused. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** What a payload asks for: pages to render, or nothing (an event the mapper ignores). */
export type Mapped = { paths: string[]; tags: string[] } | { ignored: true; reason?: string };

export interface MapOptions {
  /** `serve.webhook`. */
  map?: WebhookMapper;
  /** Most paths and tags one call may name (`serve.maxRevalidatePaths`, `serve.maxRevalidateTags`). */
  maxPaths: number;
  maxTags: number;
}

/** The headers that name the event, in this order (see WebhookRequest.topic). */
const TOPIC_HEADERS = ['x-contentful-topic', 'sanity-operation', 'x-isr-topic'];

/** The event's name from the request headers (lower-case names), if one of TOPIC_HEADERS is there. */
export function topicOf(headers: Readonly<Record<string, string>>): string | undefined {
  for (const h of TOPIC_HEADERS) if (headers[h]) return headers[h];
  return undefined;
}

export function parsePayload(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new IsrError('PAYLOAD_INVALID', `body is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Runs `verify` (serve.verify) on a call: resolves when it accepts it, throws PAYLOAD_UNVERIFIED
 * with its reason when not. A verify that throws refuses the call (fail closed).
 */
export async function verifyCall(verify: WebhookVerify, request: WebhookRequest): Promise<void> {
  let verdict: boolean | string;
  try {
    verdict = await verify(request);
  } catch (err) {
    throw new IsrError('PAYLOAD_UNVERIFIED', `serve.verify() threw: ${describeError(err)}`);
  }
  if (verdict === true) return;
  throw new IsrError('PAYLOAD_UNVERIFIED', typeof verdict === 'string' && verdict ? verdict : 'serve.verify() refused the request');
}

/**
 * The pages a payload names: `{ path }`, `{ paths }`, `{ tag }`, `{ tags }` as they are, anything
 * else through `map` (given the request too). Throws PAYLOAD_INVALID for a payload naming nothing
 * without a mapper, for bad paths or tags, past the bounds, or when the mapper says so; any other
 * error the mapper throws is passed on (a bug in it: 500 in `isr serve`).
 */
export async function mapPayload(payload: unknown, request: WebhookRequest, o: MapOptions): Promise<Mapped> {
  let target = direct(payload);
  if (!target && o.map) {
    const mapped = await o.map(payload, request);
    if (mapped === undefined || mapped === null) return { ignored: true };
    if (isIgnored(mapped)) return mapped.reason === undefined ? { ignored: true } : { ignored: true, reason: String(mapped.reason) };
    target = mapped;
  }
  return checkTarget(target, Boolean(o.map), o);
}

function isIgnored(v: RevalidateTarget | WebhookIgnored): v is WebhookIgnored {
  return typeof v === 'object' && (v as WebhookIgnored).ignored === true;
}

/** `{ path }`, `{ paths }`, `{ tag }`, `{ tags }` in any mix, or undefined when none is there. */
function direct(payload: unknown): RevalidateTarget | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  if (!('path' in p || 'paths' in p || 'tag' in p || 'tags' in p)) return undefined;
  const list = (one: unknown, many: unknown) => [
    ...(one === undefined ? [] : [one]),
    ...(Array.isArray(many) ? many : many === undefined ? [] : [many]),
  ];
  return { paths: list(p.path, p.paths) as string[], tags: list(p.tag, p.tags) as string[] };
}

function checkTarget(t: RevalidateTarget | undefined, mapped: boolean, max: { maxPaths: number; maxTags: number }): Mapped {
  const invalid = (message: string) => new IsrError('PAYLOAD_INVALID', message);
  const none = mapped
    ? 'serve.webhook() named no path or tag for this payload'
    : 'expected a JSON body such as {"path": "/blog/x/"}, {"paths": [...]}, {"tag": "t"} or {"tags": [...]}';
  if (!t || typeof t !== 'object') throw invalid(none);
  const paths = t.paths ?? [];
  const tags = t.tags ?? [];
  if (!Array.isArray(paths) || !Array.isArray(tags)) throw invalid('"paths" and "tags" must be arrays of strings');
  // Before any other look at the lists: a call's cost is bounded before it is read item by item.
  if (paths.length > max.maxPaths) {
    throw invalid(
      `names ${paths.length} paths; at most ${max.maxPaths} per call (serve.maxRevalidatePaths): split it into several calls, or name a tag`,
    );
  }
  if (tags.length > max.maxTags)
    throw invalid(`names ${tags.length} tags; at most ${max.maxTags} per call (serve.maxRevalidateTags): split it into several calls`);
  for (const p of paths) {
    if (typeof p !== 'string') throw invalid(`path ${JSON.stringify(p)} is not a string`);
    const problem = checkNamedPath(p);
    if (problem) throw invalid(`path ${JSON.stringify(p)} ${problem}`);
  }
  for (const tag of tags) if (typeof tag !== 'string' || !tag) throw invalid(`tag ${JSON.stringify(tag)} is not a non-empty string`);
  if (!paths.length && !tags.length) throw invalid(none);
  return { paths, tags };
}
