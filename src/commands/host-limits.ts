/**
 * The documented limits of the host `_headers`/`_redirects` are written for (config `hostFiles`),
 * checked after a run that wrote either file: beyond them the host drops rules without a word, so
 * a run says so, with the way out. Checked on the written text, not the manifest: what counts is
 * what the host will read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Logger } from '../logger.js';
import type { HostFiles } from '../write/host-files.js';

interface Limits {
  name: string;
  headerRules?: number;
  headerLineChars?: number;
  staticRedirects?: number;
  dynamicRedirects?: number;
  redirectLineChars?: number;
}

/**
 * Cloudflare Pages (developers.cloudflare.com/pages/configuration/headers and /redirects): 100
 * header rules, 2,000 characters a header line; 2,000 static and 100 dynamic redirects, 1,000
 * characters a redirect. Netlify documents no count limit for either file; it recommends
 * wildcards past 10,000 redirects (every request is matched against the list), taken as its limit.
 */
export const HOST_LIMITS: Record<Exclude<HostFiles, 'generic'>, Limits> = {
  'cloudflare-pages': {
    name: 'Cloudflare Pages',
    headerRules: 100,
    headerLineChars: 2000,
    staticRedirects: 2000,
    dynamicRedirects: 100,
    redirectLineChars: 1000,
  },
  netlify: { name: 'Netlify', staticRedirects: 10_000 },
};

const WAY_OUT = 'the S3 store sets each object its own Cache-Control (store: s3(...)), or give pages their revalidate per route';
const REDIRECTS_WAY_OUT =
  "the S3 store writes each redirect as its object's own redirect (store: s3(...)), or write one pattern rule of your own for a moved section";

/** The warnings for these files' texts (`undefined`: not written by this run). */
export function hostFileProblems(host: HostFiles, headers: string | undefined, redirects: string | undefined): string[] {
  if (host === 'generic') return [];
  const l = HOST_LIMITS[host];
  const out: string[] = [];
  if (headers !== undefined) {
    const lines = headers.split('\n');
    const rules = lines.filter((x) => x.startsWith('/') || x.startsWith('https://')).length;
    if (l.headerRules !== undefined && rules > l.headerRules)
      out.push(
        `_headers has ${n(rules)} rules; ${l.name} reads at most ${n(l.headerRules)} (pages past it get no Cache-Control from it): ${WAY_OUT}`,
      );
    const long = l.headerLineChars === undefined ? 0 : lines.filter((x) => x.length > l.headerLineChars!).length;
    if (long)
      out.push(`_headers has ${n(long)} line(s) over ${n(l.headerLineChars!)} characters, which ${l.name} ignores: shorten those URLs`);
  }
  if (redirects !== undefined) {
    const lines = redirects.split('\n').filter((x) => x.trim() && !x.startsWith('#'));
    const dynamic = lines.filter((x) => /[*:]/.test(x.split(/\s+/)[0] ?? '')).length;
    const fixed = lines.length - dynamic;
    if (l.staticRedirects !== undefined && fixed > l.staticRedirects)
      out.push(`_redirects has ${n(fixed)} redirects; ${l.name} takes at most ${n(l.staticRedirects)}: ${REDIRECTS_WAY_OUT}`);
    if (l.dynamicRedirects !== undefined && dynamic > l.dynamicRedirects)
      out.push(`_redirects has ${n(dynamic)} dynamic redirects; ${l.name} takes at most ${n(l.dynamicRedirects)}`);
    const long = l.redirectLineChars === undefined ? 0 : lines.filter((x) => x.length > l.redirectLineChars!).length;
    if (long) out.push(`_redirects has ${n(long)} line(s) over ${n(l.redirectLineChars!)} characters, which ${l.name} ignores`);
  }
  return out;
}

/** After a run: warn for the host files it wrote. */
export function warnHostLimits(config: ResolvedConfig, written: readonly string[], logger: Logger): void {
  if (config.hostFiles === 'generic') return;
  const read = (f: string) => (written.includes(f) ? readOrUndefined(path.join(config.outDir, f)) : undefined);
  for (const p of hostFileProblems(config.hostFiles, read('_headers'), read('_redirects'))) logger.warn(p);
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}
