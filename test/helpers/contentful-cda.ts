import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Contentful Content Delivery API on loopback, for the fixture `contentful-site`: the entries
 * of content type blogPost and the assets of space `space1`, locale-resolved as the CDA answers
 * `?locale=de-DE` (fields hold values, not locale maps), with an ETag and 304 to a matching
 * If-None-Match (the http source asks conditionally), 404 for an unknown id, 401 without the token.
 */
export interface Cda {
  url: string;
  /** Published entries by id: remove one to unpublish it, add one to publish it. */
  entries: Map<string, CdaEntity>;
  assets: Map<string, CdaEntity>;
  /** Requests seen, as `GET <path and query>`. */
  requests: string[];
  close(): Promise<void>;
}

export interface CdaEntity {
  sys: Record<string, unknown> & { id: string; type: string };
  fields: Record<string, unknown>;
}

export const DELIVERY_TOKEN = 'cda-delivery-token';
const BASE = '/spaces/space1/environments/master';

export function entry(id: string, fields: Record<string, unknown>): CdaEntity {
  return {
    sys: {
      id,
      type: 'Entry',
      space: { sys: { type: 'Link', linkType: 'Space', id: 'space1' } },
      environment: { sys: { id: 'master', type: 'Link', linkType: 'Environment' } },
      contentType: { sys: { type: 'Link', linkType: 'ContentType', id: 'blogPost' } },
      revision: 1,
      locale: 'de-DE',
    },
    fields,
  };
}

export function asset(id: string, title: string, url: string): CdaEntity {
  return {
    sys: { id, type: 'Asset', revision: 1, locale: 'de-DE' },
    fields: { title, file: { url, fileName: url.split('/').pop(), contentType: 'image/jpeg' } },
  };
}

export async function startCda(): Promise<Cda> {
  const entries = new Map<string, CdaEntity>();
  const assets = new Map<string, CdaEntity>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      const etag = `"${createHash('sha1').update(text).digest('hex')}"`;
      if (status === 200 && req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        return res.end();
      }
      res.writeHead(status, { 'content-type': 'application/vnd.contentful.delivery.v1+json', etag });
      res.end(text);
    };
    if (req.headers.authorization !== `Bearer ${DELIVERY_TOKEN}`) return send(401, { sys: { type: 'Error', id: 'AccessTokenInvalid' } });
    const u = new URL(req.url ?? '/', 'http://cda');
    if (u.searchParams.get('locale') !== 'de-DE')
      return send(400, { sys: { type: 'Error', id: 'BadRequest' }, message: 'fixture: locale' });
    if (u.pathname === `${BASE}/entries`) {
      const items = [...entries.values()].filter((e) => u.searchParams.get('content_type') === (e.sys.contentType as any).sys.id);
      return send(200, { sys: { type: 'Array' }, total: items.length, skip: 0, limit: 100, items });
    }
    const one = /^\/spaces\/space1\/environments\/master\/(entries|assets)\/([^/]+)$/.exec(u.pathname);
    const found = one && (one[1] === 'entries' ? entries : assets).get(one[2]!);
    if (found) return send(200, found);
    return send(404, { sys: { type: 'Error', id: 'NotFound' }, message: 'The resource could not be found.' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    entries,
    assets,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
