import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// The store through the CLI, without a server: what is refused, with one line, its exit code,
// and nothing written on the runner. (The runs against the real Ceph RGW are in test/s3/.)
const NO_AWS = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' };

let site: TempSite | undefined;
afterEach(async () => {
  await site?.cleanup();
  site = undefined;
});

const nothingWritten = (root: string) => !existsSync(path.join(root, 'dist')) && !existsSync(path.join(root, '.isr'));

describe('--store s3://', () => {
  it('without AWS credentials: exit 3, one line naming the variables, nothing written', async () => {
    site = await tempSite('blog');
    const r = await site.run(['build', '--store', 's3://my-site/www', '--endpoint', 'http://127.0.0.1:9'], { env: NO_AWS });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set/);
    expect(nothingWritten(site.root)).toBe(true);
  });

  it('refuses a URL that is not s3://, and --endpoint without a store, as usage errors (exit 2)', async () => {
    site = await tempSite('blog');
    const bad = await site.run(['regen', '--store', 'https://my-site/www'], { env: NO_AWS });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--store https:\/\/my-site\/www is not an s3:\/\/ URL/);
    const lone = await site.run(['status', '--endpoint', 'http://127.0.0.1:9'], { env: NO_AWS });
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--endpoint needs an S3 store/);
    expect(nothingWritten(site.root)).toBe(true);
  });
});

describe('store: s3() in the config', () => {
  async function withStore(): Promise<TempSite> {
    const s = await tempSite('blog');
    const file = path.join(s.root, 'isr.config.mjs');
    const text = await s.read('isr.config.mjs');
    await writeFile(
      file,
      text
        .replace(
          "import { defineConfig, files, pageParams, paginate } from 'static-isr';",
          "import { defineConfig, files, pageParams, paginate, s3 } from 'static-isr';",
        )
        .replace(
          'export default defineConfig({',
          "export default defineConfig({\n  store: s3({ bucket: 'my-site', endpoint: 'http://127.0.0.1:9' }),",
        ),
    );
    return s;
  }

  it('is refused by isr serve and isr dev, which serve a local folder: exit 2, one line, nothing written', async () => {
    site = await withStore();
    for (const cmd of ['serve', 'dev']) {
      const r = await site.run([cmd, '--port', '0'], { env: NO_AWS });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`isr ${cmd} serves the local output folder, but this site lives in s3://my-site/`));
    }
    expect(nothingWritten(site.root)).toBe(true);
  });

  it('is checked on load: a bad bucket name is a config error (exit 3)', async () => {
    site = await withStore();
    await writeFile(
      path.join(site.root, 'isr.config.mjs'),
      (await site.read('isr.config.mjs')).replace("bucket: 'my-site'", "bucket: 'My_Site'"),
    );
    const r = await site.run(['build'], { env: NO_AWS });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/s3 store: bucket "My_Site" is not an S3 bucket name/);
    expect(nothingWritten(site.root)).toBe(true);
  });
});
