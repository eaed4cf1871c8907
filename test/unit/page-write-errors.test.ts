import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { abortsRun, IsrError, pageWriteFailed } from '../../src/errors.js';
import { Stage } from '../../src/write/stage.js';

const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });

describe('a failed page write: the page fails, or the run aborts', () => {
  it('fails only the page for errors of its own path', () => {
    for (const code of ['ENAMETOOLONG', 'EILSEQ', 'EINVAL', 'ENOTDIR', 'EISDIR', 'EEXIST']) {
      const err = pageWriteFailed('a/index.html', errno(code));
      expect(err.code, code).toBe('PAGE_UNWRITABLE');
      expect(err.exitCode).toBe(1);
      expect(abortsRun(err)).toBe(false);
    }
  });

  it('aborts the run for faults of the disk (and anything it does not know)', () => {
    for (const code of ['ENOSPC', 'EACCES', 'EROFS', 'EIO', 'EDQUOT', 'EPERM', 'EMFILE', undefined]) {
      const err = pageWriteFailed('a/index.html', code ? errno(code) : new Error('odd'));
      expect(err.code, String(code)).toBe('WRITE_FAILED');
      expect(abortsRun(err)).toBe(true);
    }
  });

  describe('Stage', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reports a name over NAME_MAX as that page failing, and keeps staging the others', async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'isr-stage-'));
      const stage = new Stage(dir);
      const long = '中'.repeat(100); // 300 bytes
      const err = await stage.stage(`any/${long}/index.html`, 'x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(IsrError);
      expect((err as IsrError).code).toBe('PAGE_UNWRITABLE');
      expect((err as IsrError).toLine()).toMatch(
        /ENAMETOOLONG \(the file system refuses this name; give the page shorter or plainer params\)$/,
      );
      await stage.stage('any/ok/index.html', 'y');
      expect(await stage.commit()).toEqual(['any/ok/index.html']);
    });
  });
});
