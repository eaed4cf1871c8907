import { describe, expect, it } from 'vitest';
import { parseS3Url, resolveS3Options } from '../../src/store/s3-options.js';

const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };

describe('S3 store options', () => {
  it('reads s3://bucket/prefix, with or without a prefix', () => {
    expect(parseS3Url('s3://my-site/www')).toEqual({ bucket: 'my-site', prefix: 'www/' });
    expect(parseS3Url('s3://my-site/sites/www/')).toEqual({ bucket: 'my-site', prefix: 'sites/www/' });
    expect(parseS3Url('s3://my-site')).toEqual({ bucket: 'my-site', prefix: '' });
    expect(() => parseS3Url('my-site/www')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('keeps the private state outside the site prefix, or in its own bucket', () => {
    expect(resolveS3Options({ bucket: 'b-1', prefix: 'www', env })).toMatchObject({
      prefix: 'www/',
      stateBucket: 'b-1',
      statePrefix: '.isr/www/',
    });
    expect(resolveS3Options({ bucket: 'b-1', env })).toMatchObject({ prefix: '', statePrefix: '.isr/' });
    expect(resolveS3Options({ bucket: 'b-1', prefix: 'www', stateBucket: 'b-state', env })).toMatchObject({
      stateBucket: 'b-state',
      statePrefix: 'www/',
    });
    expect(() => resolveS3Options({ bucket: 'b-1', prefix: 'www', statePrefix: 'www', env })).toThrow(
      /the site prefix "www\/" is inside statePrefix "www\/"/,
    );
    expect(() => resolveS3Options({ bucket: 'b-1', statePrefix: '', env })).toThrow(/inside statePrefix/);
  });

  it('takes the credentials and the region from the standard AWS variables', () => {
    const o = resolveS3Options({ bucket: 'b-1', env: { ...env, AWS_SESSION_TOKEN: 'tok', AWS_DEFAULT_REGION: 'eu-west-1' } });
    expect(o.credentials).toEqual({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'tok' });
    expect(o.region).toBe('eu-west-1');
    expect(resolveS3Options({ bucket: 'b-1', env: { ...env, AWS_REGION: 'auto', AWS_DEFAULT_REGION: 'x' } }).region).toBe('auto');
  });

  it('says which variables are missing when there are no credentials', () => {
    expect(() => resolveS3Options({ bucket: 'b-1', env: {} })).toThrow(
      expect.objectContaining({
        code: 'STORE_AUTH',
        message: 'no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set',
      }),
    );
  });

  it("reads no credentials from the process's environment by itself (the command hands it in)", () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      expect(() => resolveS3Options({ bucket: 'b-1' })).toThrow(expect.objectContaining({ code: 'STORE_AUTH' }));
      expect(resolveS3Options({ bucket: 'b-1', env: process.env }).credentials.accessKeyId).toBe('AKIDEXAMPLE');
    } finally {
      for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('gives every bound its default and refuses values outside it', () => {
    expect(resolveS3Options({ bucket: 'b-1', env })).toMatchObject({ timeoutMs: 30_000, retries: 3, deleteConcurrency: 4 });
    expect(() => resolveS3Options({ bucket: 'b-1', timeoutMs: 0, env })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => resolveS3Options({ bucket: 'b-1', retries: 11, env })).toThrow(/retries 11 is out of bounds/);
    expect(() => resolveS3Options({ bucket: 'B_1', env })).toThrow(/not an S3 bucket name/);
    expect(() => resolveS3Options({ bucket: 'b-1', endpoint: 'http://x/path', env })).toThrow(/not an http\(s\) origin/);
    expect(() => resolveS3Options({ bucket: 'b-1', prefix: 'a/../b', env })).toThrow(/empty, \. or \.\. segment/);
  });
});
