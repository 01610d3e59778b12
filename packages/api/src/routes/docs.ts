import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { AppEnv, Deps } from '../context.ts';
import { matchesIfNoneMatch } from '../http/caching.ts';
import { DOCS_CSP, DOCS_HTML } from '../openapi/docs-page.ts';
import { openApiDocument } from '../openapi/document.ts';

/** The OpenAPI document and its browsable page: public, and the same for everyone. */
export const docRoutes = (deps: Deps) => {
  const r = new Hono<AppEnv>();
  const document = JSON.stringify(openApiDocument(deps.version));
  // Static content: the ETag is the content's own hash.
  const tag = (text: string) => `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  const documentTag = tag(document);
  const pageTag = tag(DOCS_HTML + DOCS_CSP);
  const headers = (etag: string) => ({ ETag: etag, 'Cache-Control': 'public, max-age=300' });

  r.get('/openapi.json', (c) => {
    if (matchesIfNoneMatch(c.req.header('If-None-Match'), documentTag))
      return new Response(null, { status: 304, headers: headers(documentTag) });
    return c.body(document, 200, { ...headers(documentTag), 'Content-Type': 'application/json' });
  });

  r.get('/docs', (c) => {
    if (matchesIfNoneMatch(c.req.header('If-None-Match'), pageTag))
      return new Response(null, { status: 304, headers: headers(pageTag) });
    return c.html(DOCS_HTML, 200, { ...headers(pageTag), 'Content-Security-Policy': DOCS_CSP });
  });

  return r;
};
