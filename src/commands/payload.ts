/**
 * `isr regen --payload FILE|-`: a saved webhook payload (a CI job's repository_dispatch event, a
 * queued call) mapped by the same code as `isr serve`'s webhook (webhooks/map-payload.ts), and
 * verified by `serve.verify` when `--payload-headers` gives the request's headers. A flag whose
 * file cannot be read or has the wrong shape is a usage error (exit 2); a payload that is refused
 * (malformed, unverified, too large) exits 5 (PAYLOAD_INVALID, PAYLOAD_UNVERIFIED) before the run.
 */
import { readFile } from 'node:fs/promises';
import { stripBase } from '../config/base-path.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, IsrError } from '../errors.js';
import type { WebhookRequest } from '../types.js';
import { MAX_PAYLOAD_BYTES, type Mapped, mapPayload, parsePayload, topicOf, verifyCall } from '../webhooks/map-payload.js';

export interface PayloadFlags {
  payload: string;
  payloadHeaders?: string;
  topic?: string;
}

/** The paths and tags a saved payload names (base path taken off, as the webhook does), or that it was ignored. */
export async function payloadTarget(config: ResolvedConfig, flags: PayloadFlags, now: number): Promise<Mapped> {
  const body = await readPayload(flags.payload);
  const saved = flags.payloadHeaders ? await readHeadersFile(flags.payloadHeaders) : undefined;
  const headers = saved?.headers ?? {};
  const request: WebhookRequest = {
    method: saved?.method ?? 'POST',
    path: saved?.path ?? config.serve.revalidatePath,
    headers,
    // An empty --topic (an unset variable in a CI script) is no topic: the payload's own type decides.
    topic: flags.topic || topicOf(headers),
    body,
    now,
  };
  // Verified only when the request's headers are given: without them there is no signature to
  // check, and the caller (a CI job started by an authenticated dispatch) vouches for the payload.
  if (saved && config.serve.verify) await verifyCall(config.serve.verify, request);
  const payload = parsePayload(body);
  let mapped: Mapped;
  try {
    mapped = await mapPayload(payload, request, {
      map: config.serve.webhook,
      maxPaths: config.serve.maxRevalidatePaths,
      maxTags: config.serve.maxRevalidateTags,
    });
  } catch (err) {
    if (err instanceof IsrError || (err as { code?: unknown } | null)?.code === 'PAYLOAD_INVALID')
      throw new IsrError('PAYLOAD_INVALID', `${(err as Error).message}`, { cause: err });
    throw new IsrError('PAYLOAD_INVALID', `serve.webhook() threw: ${describeError(err)}`, { cause: err });
  }
  if ('ignored' in mapped || config.base === '/') return mapped;
  return { paths: mapped.paths.map((p) => stripBase(config.base, p) ?? p), tags: mapped.tags };
}

async function readPayload(source: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = source === '-' ? await readStdin() : await readFile(source);
  } catch (err) {
    throw new IsrError('USAGE', `--payload ${source}: ${(err as Error).message}`, { hint: 'give a readable JSON file, or - for stdin' });
  }
  if (bytes.length > MAX_PAYLOAD_BYTES)
    throw new IsrError(
      'PAYLOAD_INVALID',
      `--payload ${source}: ${bytes.length} bytes; at most ${MAX_PAYLOAD_BYTES} (as isr serve's webhook takes)`,
    );
  return bytes.toString('utf8');
}

/** `--payload-headers FILE`: `{ "method"?, "path"?, "headers": { name: value } }`, names in any case. */
async function readHeadersFile(file: string): Promise<{ method?: string; path?: string; headers: Record<string, string> }> {
  const usage = (why: string) =>
    new IsrError('USAGE', `--payload-headers ${file}: ${why}`, {
      hint: 'give a JSON file such as {"method": "POST", "path": "/__isr/revalidate", "headers": {"x-contentful-topic": "…"}}',
    });
  let parsed: unknown;
  try {
    const text = await readFile(file, 'utf8');
    if (text.length > MAX_PAYLOAD_BYTES) throw usage(`larger than ${MAX_PAYLOAD_BYTES} bytes`);
    parsed = JSON.parse(text);
  } catch (err) {
    if (err instanceof IsrError) throw err;
    throw usage((err as Error).message);
  }
  const o = parsed as { method?: unknown; path?: unknown; headers?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.headers !== 'object' || o.headers === null || Array.isArray(o.headers))
    throw usage('expected an object with a "headers" object');
  if (o.method !== undefined && (typeof o.method !== 'string' || !/^[A-Z]+$/.test(o.method)))
    throw usage('"method" must be an HTTP method such as "POST"');
  if (o.path !== undefined && (typeof o.path !== 'string' || !o.path.startsWith('/'))) throw usage('"path" must start with "/"');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(o.headers)) {
    if (typeof value !== 'string') throw usage(`header ${JSON.stringify(name)} is not a string`);
    headers[name.toLowerCase()] = value.trim();
  }
  return { method: o.method, path: o.path, headers };
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) break; // enough to refuse it; the rest is not read
  }
  return Buffer.concat(chunks);
}
