/**
 * Seeded generator of hostile request targets: traversal in every encoding, backslashes, NUL and
 * control bytes, overlong UTF-8, double encoding, unicode look-alikes, absolute-form and
 * asterisk targets, very long paths and names of files that exist outside outDir or are hidden.
 */
const TRAVERSAL = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '%2e',
  '%252e%252e',
  '%25252e%25252e',
  '..%2f',
  '..%5c',
  '%2e%2e%2f',
  '%2e%2e%5c',
  '..\\',
  '\\..',
  '%c0%ae%c0%ae',
  '%c0%af',
  '%e0%80%ae%e0%80%ae',
  '%c1%9c',
  '....',
  '....//',
  '..;',
  '..%00',
  '%u002e%u002e',
  '\uff0e\uff0e',
  '%ef%bc%8e%ef%bc%8e',
  '..%252f',
  '%%32%65%%32%65',
  '.\u0000.',
];
const NAMES = [
  'secret.txt',
  '.isr',
  'manifest.json',
  'isr.config.mjs',
  '.hidden-secret.txt',
  '.index.html.999.abcdef01.isr-tmp',
  'index.html',
  'c',
  '0',
  '1',
  'link-to-secret',
  'link-to-root',
  'etc',
  'passwd',
  '~',
  '%7e',
  'node_modules',
  'dist',
  '.now',
  '_headers',
  '.well-known',
  'sitemap.xml',
  'SECRET.TXT',
  'secret.txt%00.html',
  'secret.txt%2500',
  'secret.txt;.html',
  'secret.txt::$DATA',
  'con',
  'aux',
];
const WEIRD = [
  '%00',
  '\u0000',
  '%0a',
  '%0d%0a',
  '\t',
  '%09',
  '%',
  '%zz',
  '%e0%a4%a',
  '%ff%fe',
  '\u00fc',
  '%C3%BC',
  '\ud835\udd18',
  '%F0%9D%94%98',
  '\u202e',
  '\u200b',
  '%e2%80%ae',
  '\ufeff',
  ' ',
  '%20',
  '+',
  '"',
  '<script>',
  "'",
  '`',
  '|',
  '*',
  '?',
  '#',
  ';',
  '&',
  '=',
  '@',
  ':',
];
const SEPARATORS = ['/', '/', '/', '%2f', '%2F', '\\', '%5c', '//', '/./', '%252f'];
const PREFIXES = ['/', '/', '/', '/', '//', '\\', '', '/c/0/', '/c/', 'http://127.0.0.1', 'http://127.0.0.1:1/', '*', '/./', '/%2e/'];
const SUFFIXES = ['', '', '', '/', '?x=../secret.txt', '#../secret.txt', '?', '%00', '/.', '/..', ';', '%20', '.'];

export function evilTarget(r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const kind = r();
  if (kind < 0.03) return `/${'a'.repeat(1 + Math.floor(r() * 9000))}`;
  if (kind < 0.05) return `${'/..'.repeat(1 + Math.floor(r() * 2000))}/secret.txt`;
  if (kind < 0.07) return `/${Array.from({ length: 1 + Math.floor(r() * 700) }, () => pick(['a', 'c', '..', '%2e%2e'])).join('/')}`;
  const n = 1 + Math.floor(r() * 6);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    parts.push(x < 0.45 ? pick(TRAVERSAL) : x < 0.8 ? pick(NAMES) : pick(WEIRD) + (r() < 0.5 ? pick(NAMES) : ''));
  }
  let out = pick(PREFIXES);
  parts.forEach((p, i) => {
    out += (i === 0 ? '' : pick(SEPARATORS)) + p;
  });
  return out + pick(SUFFIXES);
}

/** UTF-8 bytes of a target, except that a few are sent as raw latin1 bytes (invalid UTF-8 on the wire). */
export function targetBytes(t: string, r: () => number): Buffer {
  return r() < 0.1 ? Buffer.from(t, 'latin1') : Buffer.from(t, 'utf8');
}

export const METHODS = [
  'GET',
  'GET',
  'GET',
  'GET',
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PROPFIND',
  'G\u0000ET',
];
