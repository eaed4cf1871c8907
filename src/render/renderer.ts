import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Eta, type TemplateFunction } from 'eta';
import { withBase } from '../config/base-path.js';
import type { ResolvedConfig, ResolvedRoute } from '../config/resolve-config.js';
import { IsrError, isrError } from '../errors.js';
import { hash } from '../hash.js';
import type { TemplateEntry } from '../manifest/manifest.js';
import { walkFiles } from '../walk-files.js';
import { createHelpers, type PageInfo } from './helpers.js';
import { locateRuntimeError, locateSyntaxError } from './template-errors.js';

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** The helpers every template sees (render/helpers.ts); a config helper may not take a name. */
const BUILT_IN_HELPERS = ['url', 'absUrl', 'asset', 'formatDate', 'site', 'page', 'now'];
/** Prefix of a template dep that is a `public/` asset (see `closureHash`). */
const ASSET_DEP = 'asset:';
const STATIC_DEP = /\b(?:include|includeAsync|layout)\(\s*(["'`])([^"'`]+)\1/g;

/**
 * Eta 4 set up for isr: templates are read once per run (so what is hashed is what is rendered),
 * compiled up front (a syntax error anywhere stops the run before anything is written), and every
 * layout/partial a render resolves is recorded, so a change to one re-renders exactly its pages.
 */
export class Renderer {
  private readonly eta: Eta;
  private debugEta: Eta | undefined;
  /** Template text by absolute path (a snapshot of templatesDir at start). */
  private readonly texts: Map<string, string>;
  /** Hash of each template file, by path relative to templatesDir. */
  readonly fileHashes: ReadonlyMap<string, string>;
  /** Deps seen per template (relative paths), statically and at render time. */
  private readonly deps = new Map<string, Set<string>>();
  private recording: Set<string> | undefined;
  /** Hash of each `public/` asset, by its URL path (`/style.css`). */
  private assetHashes: ReadonlyMap<string, string> = new Map();
  private readonly relCache = new Map<string, string>();

  private constructor(
    private readonly config: ResolvedConfig,
    texts: Map<string, string>,
  ) {
    this.texts = texts;
    const hashes = new Map<string, string>();
    for (const [abs, text] of texts) hashes.set(this.rel(abs), hash(text));
    this.fileHashes = hashes;
    this.eta = this.createEta(false);
  }

  static async create(config: ResolvedConfig): Promise<Renderer> {
    const texts = new Map<string, string>();
    for (const f of templateFiles(config.templatesDir)) texts.set(f, readFileSync(f, 'utf8'));
    const r = new Renderer(config, texts);
    r.compileAll();
    return r;
  }

  /** Render one page. Sync: data is loaded before, so a render is pure CPU. */
  render(route: ResolvedRoute, props: Record<string, unknown>, page: PageInfo): string {
    const data = { ...props, __isr: createHelpers(this.config, page, this.assetUrl) };
    const seen = new Set<string>();
    this.recording = seen;
    try {
      return this.eta.render(route.template, data);
    } catch (err) {
      throw this.runtimeError(route, data, err);
    } finally {
      this.recording = undefined;
      const set = this.depsOf(route.template);
      for (const d of seen) if (d !== route.template) set.add(d);
    }
  }

  /**
   * Hash of a template and everything it pulls in, from current file contents. A page stores the
   * value it was rendered with; the planner compares it with this to find template changes.
   * An asset a render asked for with `asset()` is a dep named `asset:/style.css`, so a changed
   * stylesheet re-renders exactly the pages whose URL of it changes.
   */
  closureHash(template: string, deps: Iterable<string> = this.depsOf(template)): string {
    const parts = [template, ...[...deps].sort()].map(
      (f) => `${f}=${(f.startsWith(ASSET_DEP) ? this.assetHashes.get(f.slice(ASSET_DEP.length)) : this.fileHashes.get(f)) ?? 'missing'}`,
    );
    return hash(parts.join('\n'));
  }

  /** The public folder's assets as this run publishes them (outDir-relative path → hash). */
  useAssets(assets: ReadonlyMap<string, { hash: string }>): void {
    this.assetHashes = new Map([...assets].map(([rel, a]) => [`/${rel}`, a.hash]));
  }

  /** `asset('/style.css')` in a template: the URL with the base path and `?v=<hash>`, recorded as a dep. */
  private readonly assetUrl = (p: string): string => {
    if (typeof p !== 'string' || !p.startsWith('/'))
      throw new Error(`asset(${JSON.stringify(p)}): expected a path in the public folder starting with "/", e.g. asset('/style.css')`);
    const clean = p.split(/[?#]/)[0]!;
    const h = this.assetHashes.get(clean);
    if (!h) throw new Error(`asset("${clean}"): no such file in the public folder`);
    this.recording?.add(ASSET_DEP + clean);
    return `${withBase(this.config.base, encodeURI(clean))}?v=${h}`;
  };

  /** The manifest's `templates` section: every template used by a route, with its deps. */
  templateEntries(templates: Iterable<string>): Record<string, TemplateEntry> {
    const out: Record<string, TemplateEntry> = {};
    for (const t of templates) out[t] = { hash: this.fileHashes.get(t) ?? 'missing', deps: [...this.depsOf(t)].sort() };
    return out;
  }

  depsOf(template: string): Set<string> {
    let set = this.deps.get(template);
    if (!set) {
      set = new Set();
      this.deps.set(template, set);
    }
    return set;
  }

  private rel(abs: string): string {
    // Memoised: every render resolves its template and layout, and path.relative is ~10 µs.
    let r = this.relCache.get(abs);
    if (r === undefined) {
      r = path.relative(this.config.templatesDir, abs).split(path.sep).join('/');
      this.relCache.set(abs, r);
    }
    return r;
  }

  private createEta(debug: boolean): Eta {
    const helperNames = Object.keys(this.config.helpers);
    for (const n of helperNames) {
      if (!IDENT.test(n))
        throw new IsrError('CONFIG_INVALID', `helpers.${n}: expected a JavaScript identifier as helper name`, {
          hint: 'rename the helper',
        });
      if (BUILT_IN_HELPERS.includes(n))
        throw new IsrError('CONFIG_INVALID', `helpers.${n}: "${n}" is a built-in helper`, {
          hint: `rename the helper (built-ins: ${BUILT_IN_HELPERS.join(', ')})`,
        });
    }
    const eta = new Eta({
      views: this.config.templatesDir,
      cache: true,
      autoEscape: true,
      debug,
      // Helpers become plain variables in every template: `<%= url('post', { slug }) %>`.
      functionHeader:
        `const {${BUILT_IN_HELPERS.join(', ')}} = it.__isr;` +
        (helperNames.length ? ` const {${helperNames.join(', ')}} = it.__isr.helpers;` : ''),
    });
    const resolve = eta.resolvePath!;
    // Memoised by name and calling template: Eta resolves the page's template and its layout on
    // every render (a JSON key, joins and a path.relative), ~2% of a build. The answer depends
    // only on those two and `views`, fixed for this instance; a name that fails is not kept.
    const resolved = new Map<string, string>();
    eta.resolvePath = (template, options) => {
      const key = `${template}\0${options?.filepath ?? ''}`;
      let abs = resolved.get(key);
      if (abs === undefined) resolved.set(key, (abs = resolve.call(eta, template, options)));
      this.recording?.add(this.rel(abs));
      return abs;
    };
    eta.readFile = (abs) => {
      const text = this.texts.get(path.resolve(abs));
      // A plain error, so the runtime-error path can still find which template line asked for it.
      if (text === undefined) throw new MissingTemplate(this.rel(abs));
      return text;
    };
    return eta;
  }

  /** Compile every template now so a syntax error stops the run before any page is written. */
  private compileAll(): void {
    for (const [abs, text] of this.texts) {
      if (!abs.endsWith('.eta')) continue;
      const rel = this.rel(abs);
      try {
        this.eta.templatesSync.define(abs, this.compiled(abs, text));
      } catch (err) {
        const { line, message } = locateSyntaxError(this.eta, text, abs, err);
        throw isrError('TEMPLATE_SYNTAX', [message], { file: path.relative(this.config.root, abs), line });
      }
      const deps = this.depsOf(rel);
      for (const m of text.matchAll(STATIC_DEP)) {
        const name = m[2]!.endsWith('.eta') ? m[2]! : `${m[2]}.eta`;
        const dep = name.startsWith('/') ? name.slice(1) : path.posix.normalize(path.posix.join(path.posix.dirname(rel), name));
        if (!this.fileHashes.has(dep)) {
          throw new IsrError('TEMPLATE_NOT_FOUND', `template "${dep}" not found (named "${m[2]}")`, {
            file: path.relative(this.config.root, abs),
            line: text.slice(0, m.index).split('\n').length,
            hint: `create ${path.relative(this.config.root, path.join(this.config.templatesDir, dep))} or fix the name`,
          });
        }
        if (dep !== rel) deps.add(dep);
      }
    }
  }

  /**
   * A template compiled, or the function an earlier run of this process compiled from the same
   * text: `isr serve` starts a run per webhook, and compiling every template again was ~0.1 ms of
   * each. The function depends only on Eta's settings (fixed here but for the function header,
   * which names the helpers), the path and the text, so those are the key.
   */
  private compiled(abs: string, text: string): TemplateFunction {
    const key = `${this.eta.config.functionHeader}\0${abs}\0${text}`;
    let fn = COMPILED.get(key);
    if (!fn) {
      fn = this.eta.compile(text, { filepath: abs });
      // Bounded: a long watch session editing templates would otherwise keep every version.
      if (COMPILED.size >= 256) COMPILED.clear();
      COMPILED.set(key, fn);
    }
    return fn;
  }

  /** Re-render with Eta's debug mode (slower, only on failure) to learn the template and line. */
  private runtimeError(route: ResolvedRoute, data: object, err: unknown): IsrError {
    if (err instanceof IsrError) return err;
    this.debugEta ??= this.createEta(true);
    const loc = locateRuntimeError(() => this.debugEta!.render(route.template, data), err);
    const file = loc.file
      ? path.relative(this.config.root, loc.file)
      : path.join(path.relative(this.config.root, this.config.templatesDir), route.template);
    if (err instanceof MissingTemplate) {
      return new IsrError('TEMPLATE_NOT_FOUND', `template "${err.template}" not found`, {
        file,
        line: loc.line,
        hint: 'check the include()/layout() name',
      });
    }
    return new IsrError('TEMPLATE_RENDER', `template error: ${loc.message}`, { file, line: loc.line, cause: err });
  }
}

/** Compiled templates of this process, shared by its runs (see `Renderer.compiled`). */
const COMPILED = new Map<string, TemplateFunction>();

class MissingTemplate extends Error {
  constructor(readonly template: string) {
    super(`template "${template}" not found`);
  }
}

/**
 * Every template file (see walkFiles), sorted; none if the folder is missing or unreadable (the
 * route check then reports the template), as with the glob this replaced.
 */
function templateFiles(dir: string): string[] {
  try {
    return walkFiles(dir).sort();
  } catch {
    return [];
  }
}
