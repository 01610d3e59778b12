import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { body, world } from '../testing/world.ts';
import { openApiDocument } from './document.ts';

describe('GET /openapi.json', () => {
  it('serves a valid OpenAPI 3.1 document', async () => {
    const w = await world();
    const res = await w.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await body(res);
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route of the app, with each method', async () => {
    const w = await world();
    const doc = await body(await w.request('/openapi.json'));
    const routes = w.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThanOrEqual(13);
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      expect(doc.paths[path]?.[method], route).toBeDefined();
    }
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    expect(documented.sort()).toEqual([...new Set(routes)].sort());
  });

  it('documents problem+json responses and every event type', async () => {
    const w = await world();
    const doc = await body(await w.request('/openapi.json'));
    const post = doc.paths['/v1/events'].post;
    for (const status of ['400', '401', '403', '409', '413', '415', '422', '429'])
      expect(post.responses[status], status).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toContain('Event.activity.recorded');
    expect(doc.components.schemas['EventData.activity.recorded'].anyOf).toHaveLength(2);
  });

  it('answers 304 to its own ETag', async () => {
    const w = await world();
    const etag = (await w.request('/openapi.json')).headers.get('ETag')!;
    expect((await w.request('/openapi.json', { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });
});

describe('GET /docs', () => {
  it('is a self-contained page: no external scripts, styles or fonts, and a CSP allowing only its own', async () => {
    const w = await world();
    const res = await w.request('/docs');
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('openapi.json');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/@import|url\(/);
    const csp = res.headers.get('Content-Security-Policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    // The inline script at least parses (there is no browser here to run it).
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    expect(() => new Function(script)).not.toThrow();
  });
});

/** Just enough DOM to run the page's script: elements that record their text and children. */
class FakeElement {
  readonly children: (FakeElement | string)[] = [];
  readonly attributes: Record<string, string> = {};
  readonly dataset: Record<string, string> = {};
  readonly listeners: Record<string, () => void> = {};
  textContent = '';
  constructor(readonly tag: string) {}
  setAttribute(k: string, v: string) {
    this.attributes[k] = v;
  }
  append(...kids: (FakeElement | string)[]) {
    this.children.push(...kids);
  }
  addEventListener(type: string, f: () => void) {
    this.listeners[type] = f;
  }
  text(): string {
    return this.textContent + this.children.map((c) => (typeof c === 'string' ? c : c.text())).join(' ');
  }
  all(): FakeElement[] {
    return [this, ...this.children.flatMap((c) => (typeof c === 'string' ? [] : c.all()))];
  }
}

describe('the /docs script', () => {
  it('renders every operation, and expands schemas on demand', async () => {
    const w = await world();
    const html = await (await w.request('/docs')).text();
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    const main = new FakeElement('main');
    const document = { querySelector: () => main, createElement: (t: string) => new FakeElement(t) };
    const fetch = async (path: string) => w.request(`/${path}`);
    await new Function('document', 'fetch', `return ${script.trim().replace(/;$/, '')}`)(document, fetch);
    const text = main.text();
    expect(text).not.toContain('Could not load');
    for (const path of ['/v1/events', '/v1/indicators/{name}/explain', '/readyz'])
      expect(text).toContain(path);
    const operations = main.children.filter((c) => typeof c !== 'string' && c.tag === 'details');
    const documented = Object.values((openApiDocument('test') as { paths: object }).paths).flatMap((item) =>
      Object.keys(item as object),
    );
    expect(operations).toHaveLength(documented.length);
    // Opening a schema renders it, with $refs resolved.
    const schema = main.all().find((e) => e.tag === 'details' && e.listeners.toggle)!;
    schema.listeners.toggle!();
    expect(schema.text()).toContain('"type"');
  });
});
