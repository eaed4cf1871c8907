import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { IsrError } from '../errors.js';
import { hash } from '../hash.js';
import { importModule } from '../import-module.js';
import type { UserConfig } from '../types.js';
import { type ResolvedConfig, resolveConfig } from './resolve-config.js';

/** Config file names, in the order they are looked for. */
export const CONFIG_FILES = ['isr.config.ts', 'isr.config.mts', 'isr.config.cts', 'isr.config.js', 'isr.config.mjs', 'isr.config.cjs'];

/** Configs compiled through jiti (TypeScript); the others are imported by Node itself. */
const TYPESCRIPT_CONFIG = /\.[mc]?ts$/;

/** What the command line may override in the config (and where to find it). */
export interface ConfigOverrides {
  outDir?: string;
  concurrency?: number;
  /** `--config <file>`: this file instead of the first `isr.config.*` of the root. */
  configFile?: string;
}

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
export async function loadConfig(rootArg: string, overrides: ConfigOverrides = {}): Promise<ResolvedConfig> {
  const root = path.resolve(rootArg);
  if (!existsSync(root)) {
    throw new IsrError('CONFIG_NOT_FOUND', `site root ${rootArg} does not exist`, { hint: 'pass the folder holding isr.config.*' });
  }
  const file = configFileOf(root, overrides.configFile);
  loadEnvFiles(root);
  const source = await readFile(file, 'utf8');
  const user = await importConfig(file, root);
  const { configFile: _, ...rest } = overrides;
  return resolveConfig(user, { root, configFile: file, configHash: hash(source), overrides: rest });
}

/** The config file: `--config` as given (relative to the working folder), else the root's own. */
function configFileOf(root: string, explicit: string | undefined): string {
  if (explicit !== undefined) {
    const file = path.resolve(explicit);
    if (!existsSync(file)) {
      throw new IsrError('CONFIG_NOT_FOUND', `--config ${explicit}: no such file`, {
        hint: 'pass the path of an isr.config.* file, relative to the current folder',
      });
    }
    if (!/\.[mc]?[jt]s$/.test(file)) {
      throw new IsrError('CONFIG_LOAD', `--config ${explicit}: not a .ts/.mts/.cts/.js/.mjs/.cjs file`, {
        hint: 'name the config file with one of these extensions',
      });
    }
    return file;
  }
  const found = findConfigFile(root);
  if (!found) {
    throw new IsrError('CONFIG_NOT_FOUND', `no isr.config.ts/.mts/.cts/.js/.mjs/.cjs in ${root}`, {
      hint: 'run `isr init` to create a site, pass the site folder as the first argument, or --config <file>',
    });
  }
  return found;
}

/**
 * `.env`, then `.env.local`, from the site root into `process.env`, before the config is
 * imported (a config may read `process.env`, and `ISR_REVALIDATE_SECRET` is read from it).
 * A variable already set in the environment wins over both files, and `.env.local` over `.env`,
 * as in Vite and Next.js. Parsed by Node's own `util.parseEnv` (the dotenv format).
 */
export function loadEnvFiles(root: string, env: NodeJS.ProcessEnv = process.env): void {
  const fromFiles: Record<string, string> = {};
  for (const name of ['.env', '.env.local']) {
    let text: string;
    try {
      text = readFileSync(path.join(root, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new IsrError('CONFIG_LOAD', `cannot read ${name}: ${(err as Error).message}`, {
        file: name,
        hint: 'make it readable, or remove it',
      });
    }
    Object.assign(fromFiles, parseEnv(text));
  }
  for (const [key, value] of Object.entries(fromFiles)) if (env[key] === undefined) env[key] = value;
}

async function importConfig(file: string, root: string): Promise<UserConfig> {
  const rel = path.relative(root, file);
  let mod: { default?: unknown };
  try {
    if (TYPESCRIPT_CONFIG.test(file)) {
      // jiti only for TypeScript configs: it costs ~50 ms to load, which .js/.mjs sites never pay.
      const { createJiti } = await importModule<typeof import('jiti')>('jiti');
      const jiti = createJiti(pathToFileURL(file).href, { moduleCache: false, fsCache: true, interopDefault: false });
      mod = (await jiti.import(file)) as { default?: unknown };
    } else {
      // The query defeats Node's module cache so `serve --watch` can reload an edited config.
      mod = await importModule(`${pathToFileURL(file).href}?t=${Date.now()}`);
    }
  } catch (err) {
    const e = err as Error;
    throw new IsrError('CONFIG_LOAD', `cannot load config: ${e.message.split('\n')[0]}`, {
      file: rel,
      line: lineOf(e, file) ?? (e instanceof SyntaxError && !TYPESCRIPT_CONFIG.test(file) ? syntaxErrorLine(file) : undefined),
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
