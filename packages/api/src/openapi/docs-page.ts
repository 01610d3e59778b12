import { createHash } from 'node:crypto';

/**
 * A browsable page for the OpenAPI document, with no CDN (the servers run without internet): a small inline
 * script fetches /openapi.json and renders each operation, its parameters, body and responses, resolving
 * `$ref`s on demand. The page's Content-Security-Policy allows exactly its own script and style by hash.
 */

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{background:#b71c1c;color:#fff;padding:1rem 2rem}header h1{margin:0;font-size:1.4rem}
main{max-width:70rem;margin:0 auto;padding:1rem 2rem}
details{background:#fff;border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
summary{cursor:pointer;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:4.5rem;font-weight:bold;text-transform:uppercase}
.get{color:#1565c0}.post{color:#2e7d32}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{border-top:1px solid #eee;padding:.25rem .4rem;text-align:left;vertical-align:top}
pre{background:#f4f4f4;padding:.5rem;overflow:auto;max-height:24rem;font-size:12px}
.d{color:#555}.w{color:#fff}`;

const SCRIPT = `
(async () => {
  const main = document.querySelector('main');
  const doc = await (await fetch('openapi.json')).json();
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const k of kids) e.append(k);
    return e;
  };
  const resolve = (o) => {
    let x = o;
    while (x && x.$ref) x = x.$ref.slice(2).split('/').reduce((a, k) => a[k], doc);
    return x;
  };
  const schemaView = (schema) => {
    const d = el('details', {}, el('summary', {}, schema && schema.$ref ? schema.$ref.split('/').pop() : 'schema'));
    d.addEventListener('toggle', () => {
      if (d.dataset.done) return;
      d.dataset.done = '1';
      const seen = new Set();
      const expand = (s, depth) => {
        if (!s || typeof s !== 'object' || depth > 6) return s;
        if (s.$ref) {
          if (seen.has(s.$ref)) return { $ref: s.$ref };
          seen.add(s.$ref);
          const r = expand(resolve(s), depth + 1);
          seen.delete(s.$ref);
          return r;
        }
        if (Array.isArray(s)) return s.map((x) => expand(x, depth + 1));
        return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, expand(v, depth + 1)]));
      };
      d.append(el('pre', {}, JSON.stringify(expand(schema, 0), null, 2)));
    });
    return d;
  };
  main.append(el('p', { class: 'd' }, doc.info.description || ''));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const body = el('div', {});
      if (op.description) body.append(el('p', { class: 'd' }, op.description));
      const params = (op.parameters || []).map(resolve);
      if (params.length) {
        const t = el('table', {}, el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'in'), el('th', {}, 'description')));
        for (const p of params) t.append(el('tr', {}, el('td', {}, p.name + (p.required ? ' *' : '')), el('td', {}, p.in), el('td', {}, p.description || '')));
        body.append(t);
      }
      if (op.requestBody) {
        body.append(el('h4', {}, 'Request body'));
        for (const [type, c] of Object.entries(resolve(op.requestBody).content)) body.append(el('div', {}, type), schemaView(c.schema));
      }
      body.append(el('h4', {}, 'Responses'));
      for (const [status, r0] of Object.entries(op.responses || {})) {
        const r = resolve(r0);
        body.append(el('div', {}, el('b', {}, status + ' '), r.description || ''));
        for (const [type, c] of Object.entries(r.content || {})) body.append(el('div', { class: 'd' }, type), schemaView(c.schema));
      }
      main.append(el('details', {}, el('summary', {}, el('span', { class: 'm ' + method }, method), path + ' — ' + (op.summary || '')), body));
    }
  }
})().catch((e) => { document.querySelector('main').textContent = 'Could not load openapi.json: ' + e; });
`;

const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The HTML page. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>chitieu API</title><style>${STYLE}</style></head>
<body><header><h1>chitieu API</h1><div>OpenAPI 3.1 — <a class="w" href="openapi.json">openapi.json</a></div></header>
<main></main><script>${SCRIPT}</script></body></html>`;

/** The policy that lets the page run its own script and style and fetch the document, nothing else. */
export const DOCS_CSP = `default-src 'none'; script-src ${sha(SCRIPT)}; style-src ${sha(STYLE)}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
