/**
 * Routing: what a raw request path (the site path, without the base) names under a manifest
 * snapshot: a page, a static file, a redirect to the canonical slash, an unknown path of a
 * fallback route, or nothing. Separate from handle-request.ts, which caches these answers per
 * snapshot and turns them into responses; resolving is the slow, asynchronous first time.
 */
import type { ManifestSnapshot } from '../manifest/snapshot.js';
import type { HandlerContext } from './handle-request.js';
import { lookupPath, parseUrlPath } from './static-files.js';

/** What a raw request path (the site path, without the base) names, under the current manifest. */
export type Target =
  | { kind: 'page'; key: string }
  | { kind: 'file'; rel: string }
  /** `to`: a site path (the base is added when sent). */
  | { kind: 'redirect'; to: string }
  | { kind: 'fallback'; key: string; route: string }
  | { kind: 'notFound' }
  | { kind: 'bad' };

export async function resolveTarget(
  ctx: Pick<HandlerContext, 'config' | 'realOutDir'>,
  raw: string,
  state: ManifestSnapshot,
): Promise<Target> {
  const parsed = parseUrlPath(raw);
  if (!parsed.ok) return parsed.status === 400 ? { kind: 'bad' } : { kind: 'notFound' };
  const p = parsed.path;
  if (state.page(p)) return { kind: 'page', key: p };
  const owner = state.ownerOf(p.slice(1));
  if (owner) return { kind: 'page', key: owner };
  // Directory pages are canonical with their trailing slash, file pages without one.
  if (!p.endsWith('/') && state.page(`${p}/`)) return { kind: 'redirect', to: `${raw}/` };
  if (p.length > 1 && p.endsWith('/') && state.page(p.slice(0, -1))) return { kind: 'redirect', to: raw.slice(0, -1) };
  const found = await lookupPath(ctx.config().outDir, ctx.realOutDir, parsed.segments);
  if (found?.kind === 'file') return { kind: 'file', rel: found.file.rel };
  if (found?.kind === 'dir') return { kind: 'redirect', to: `${raw}/` };
  for (const route of ctx.config().routes) {
    if (route.fallback !== 'blocking') continue;
    if (route.pattern.match(p)) return { kind: 'fallback', key: p, route: route.name };
    if (route.pattern.directory && !p.endsWith('/') && route.pattern.match(`${p}/`)) return { kind: 'redirect', to: `${raw}/` };
  }
  return { kind: 'notFound' };
}
