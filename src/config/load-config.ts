import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IsrError } from '../errors.js';
import { hash } from '../hash.js';
import type { UserConfig } from '../types.js';
import { resolveConfig, type ResolvedConfig } from './resolve-config.js';

/** Config file names, in the order they are looked for. */
export const CONFIG_FILES = ['isr.config.ts', 'isr.config.mts', 'isr.config.js', 'isr.config.mjs'];

export function findConfigFile(root: string): string | undefined {
  for (const name of CONFIG_FILES) {
    const file = path.join(root, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Load, validate and resolve the site's config once. The result is frozen and passed down; no
 * other module reads the config file.
 */
export async function loadConfig(rootArg: string, overrides: { outDir?: string; concurrency?: number } = {}): Promise<ResolvedConfig> {
  const root = path.resolve(rootArg);
  if (!existsSync(root)) {
    throw new IsrError('CONFIG_NOT_FOUND', `site root ${rootArg} does not exist`, { hint: 'pass the folder holding isr.config.*' });
  }
  const file = findConfigFile(root);
  if (!file) {
    throw new IsrError('CONFIG_NOT_FOUND', `no isr.config.ts/.mts/.js/.mjs in ${root}`, {
      hint: 'run `isr init` to create a site, or pass the site folder as the first argument',
    });
  }
  const source = await readFile(file, 'utf8');
  const user = await importConfig(file, root);
  return resolveConfig(user, { root, configFile: file, configHash: hash(source), overrides });
}

async function importConfig(file: string, root: string): Promise<UserConfig> {
  const rel = path.relative(root, file);
  let mod: { default?: unknown };
  try {
    if (/\.m?ts$/.test(file)) {
      // jiti only for TypeScript configs: it costs ~50 ms to load, which .js/.mjs sites never pay.
      const { createJiti } = await import('jiti');
      const jiti = createJiti(pathToFileURL(file).href, { moduleCache: false, fsCache: true, interopDefault: false });
      mod = (await jiti.import(file)) as { default?: unknown };
    } else {
      // The query defeats Node's module cache so `serve --watch` can reload an edited config.
      mod = await import(`${pathToFileURL(file).href}?t=${Date.now()}`);
    }
  } catch (err) {
    const e = err as Error;
    throw new IsrError('CONFIG_LOAD', `cannot load config: ${e.message.split('\n')[0]}`, {
      file: rel,
      line: lineOf(e, file) ?? (e instanceof SyntaxError && !/\.m?ts$/.test(file) ? syntaxErrorLine(file) : undefined),
      hint: 'fix the error in the config file',
      cause: err,
    });
  }
  if (!mod || typeof mod.default !== 'object' || mod.default === null) {
    throw new IsrError('CONFIG_INVALID', 'the config has no default export object', {
      file: rel,
      hint: 'end it with `export default defineConfig({ routes: [...] })`',
    });
  }
  return mod.default as UserConfig;
}

/** The line of `file` an import error points at (from the stack or a SyntaxError's location). */
function lineOf(err: Error, file: string): number | undefined {
  const text = `${err.stack ?? ''}\n${err.message}`;
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${base}(?:\\?t=\\d+)?:(\\d+)`).exec(text) ?? /\((\d+):\d+\)/.exec(err.message);
  return m ? Number(m[1]) : undefined;
}

/**
 * Node's ESM loader throws a SyntaxError that carries no location (the `file:line` arrow is only
 * printed for uncaught errors), so on that error path only, `node --check` finds the line.
 */
function syntaxErrorLine(file: string): number | undefined {
  // Loaded here: node:child_process costs every run a few ms of start-up, and this is an error path.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${base}:(\\d+)`).exec(r.stderr ?? '');
  return m ? Number(m[1]) : undefined;
}
