import { describe, expect, it } from 'vitest';
import { s3 } from '../../src/index.js';
import { chosenStore } from '../../src/store/s3-config.js';

// Issue 20 item 1: `store: s3({ … })` in the config, `--store s3://bucket/prefix` with
// `--endpoint` / `--region` on the commands, the flags winning over the config.
describe('the store a command uses', () => {
  it('is the config’s s3() store, checked when the config is loaded', () => {
    expect(s3({ bucket: 'my-site', prefix: 'www', endpoint: 'http://127.0.0.1:9000' })).toEqual({
      kind: 's3',
      options: { bucket: 'my-site', prefix: 'www', endpoint: 'http://127.0.0.1:9000' },
    });
    expect(() => s3({ bucket: 'My_Bucket' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => s3({ bucket: 'my-site', endpoint: 'ftp://x' })).toThrow(/endpoint "ftp:\/\/x" is not an http\(s\) origin/);
    expect(() => s3({ bucket: 'my-site', uploadConcurrency: 0 })).toThrow(/uploadConcurrency 0 is out of bounds/);
  });

  it('is the one the flags name, over the config’s, keeping the config’s other options for the same bucket', () => {
    const configured = s3({ bucket: 'my-site', prefix: 'www', stateBucket: 'my-state', endpoint: 'http://a:1' });
    expect(chosenStore({ store: 's3://my-site/preview', region: 'auto' }, configured)?.options).toEqual({
      bucket: 'my-site',
      prefix: 'preview/',
      stateBucket: 'my-state',
      endpoint: 'http://a:1',
      region: 'auto',
    });
    expect(chosenStore({ store: 's3://other/x', endpoint: 'http://b:2' }, configured)?.options).toEqual({
      bucket: 'other',
      prefix: 'x/',
      endpoint: 'http://b:2',
    });
    expect(chosenStore({ endpoint: 'http://b:2' }, configured)?.options.endpoint).toBe('http://b:2');
    expect(chosenStore({}, undefined)).toBeUndefined();
  });

  it('refuses --endpoint or --region without a store, and an --store that is not an s3:// URL, as usage errors', () => {
    expect(() => chosenStore({ endpoint: 'http://b:2' }, undefined)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => chosenStore({ region: 'auto' }, undefined)).toThrow(/--region needs an S3 store/);
    expect(() => chosenStore({ store: 'https://bucket/x' }, undefined)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
