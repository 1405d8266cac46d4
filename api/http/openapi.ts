/**
 * The OpenAPI 3.1 document, generated from the routes' own declarations (defineRoute) and their
 * zod schemas (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses), and a self-contained HTML
 * page that lists it.
 */
import { z } from 'zod';
import { Plan } from '../../domain/schemas';
import { isSafeText } from '../../domain/text';
import { ErrorBody } from '../activities/schemas';
import { describeRoles } from './auth';
import { escapeHtml } from './html';
import { JSON_BODY_LIMIT, type Route, type RouteResponses } from './define-route';

type JsonObject = Record<string, unknown>;

/** `/api/activities/:id/plan` → `/api/activities/{id}/plan`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

/**
 * The characters free text may not hold (domain/text.ts), as a JSON Schema pattern, so a client
 * (or a fuzzer) reading the document does not send them. Written with \\u escapes, which both
 * ECMA-262 and Python's re read.
 */
const UNSAFE_CHARS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';
/** What String.prototype.trim removes. */
const TRIMMED = '\\t\\n\\u000B\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';
const SAFE_TEXT_PATTERN = `^[^${UNSAFE_CHARS}]*$`;
/** Safe text that is trimmed and must not be empty: at least one character that trim keeps. */
const SAFE_NON_BLANK_PATTERN = `^[^${UNSAFE_CHARS}]*[^${UNSAFE_CHARS}${TRIMMED}][^${UNSAFE_CHARS}]*$`;

interface CheckDef {
  check?: string;
  fn?: unknown;
  tx?: unknown;
  minimum?: number;
}

/**
 * z.toJSONSchema cannot see into a refinement, so the safe-text rule (a `text()` string) is
 * written out as a pattern, and a trimmed one with a minimum length says it needs a character
 * that is not blank; a trimmed email (a pipe) documents the email rule of its output. The other cross-field rules are written on their schemas (`.meta`).
 */
interface SchemaDef {
  type?: string;
  checks?: { _zod: { def: CheckDef } }[];
  /** A pipe's output. */
  out?: { _zod: { def: SchemaDef & { format?: string; pattern?: RegExp } } };
}

function describeRefinements(ctx: { zodSchema: unknown; jsonSchema: JsonObject }): void {
  const def = (ctx.zodSchema as { _zod?: { def?: SchemaDef } })._zod?.def;
  // `z.string().trim().pipe(z.email())`: the input side alone would document any string.
  const out = def?.type === 'pipe' ? def.out?._zod.def : undefined;
  if (out?.type === 'string' && out.format === 'email' && out.pattern) {
    Object.assign(ctx.jsonSchema, { format: 'email', pattern: out.pattern.source });
    return;
  }
  if (def?.type !== 'string') return;
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  if (!checks.some((c) => c.check === 'custom' && c.fn === isSafeText)) return;
  const trimmed = checks.some((c) => c.check === 'overwrite' && String(c.tx).includes('.trim()'));
  const nonEmpty = checks.some((c) => c.check === 'min_length' && (c.minimum ?? 0) >= 1);
  ctx.jsonSchema.pattern = trimmed && nonEmpty ? SAFE_NON_BLANK_PATTERN : SAFE_TEXT_PATTERN;
}

function componentSchemas(ops: readonly Route[]): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  const add = (name: string, schema: z.ZodType) => {
    if (!registry.has(schema)) registry.add(schema, { id: name });
  };
  // Shared domain schemas first, so the bodies refer to them by name.
  add('Plan', Plan);
  for (const op of ops) {
    const body = op.body ?? op.documentedBody;
    if (body) add(body.name, body.schema);
    for (const r of Object.values(responsesOf(op))) if (r.schema) add(r.schema.name, r.schema.schema);
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    override: describeRefinements,
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, JsonObject> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as JsonObject;
    out[name] = rest;
  }
  return out;
}

function queryParameters(query: z.ZodObject | undefined): JsonObject[] {
  if (!query) return [];
  const json = z.toJSONSchema(query, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', override: describeRefinements }) as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema,
  }));
}

const errorDoc = (description: string) => ({ description, schema: { name: 'Error', schema: ErrorBody } });

/**
 * The route's own responses, and those the shared machinery answers on its behalf: a body too
 * large (413) or of another type (415) on every route that reads one, and Temporal unavailable
 * (503) on the routes that wait on it. The route's own description wins where it gives one.
 */
function responsesOf(op: Route): RouteResponses {
  const limit = op.textBody?.limit ?? JSON_BODY_LIMIT;
  const mediaTypes = op.textBody?.mediaTypes.join(', ') ?? 'application/json';
  const responses: RouteResponses = { ...op.responses };
  if (op.method === 'post') {
    responses[413] ??= errorDoc(`PayloadTooLarge: the body is larger than ${limit}`);
    responses[415] ??= errorDoc(`UnsupportedMediaType: the body is not ${mediaTypes}`);
  }
  if (op.talksToTemporal) responses[503] ??= errorDoc('Unavailable: the workflow service did not answer; try again after Retry-After seconds');
  return responses;
}

function requestBody(op: Route): JsonObject | undefined {
  if (op.textBody) {
    return { required: true, description: op.textBody.description, content: { [op.textBody.mediaTypes[0]]: { schema: { type: 'string' } } } };
  }
  const body = op.body ?? op.documentedBody;
  return body ? { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${body.name}` } } } } : undefined;
}

let cached: JsonObject | undefined;

export function openApiDocument(publicBaseUrl: string, routes: readonly Route[]): JsonObject {
  if (cached) return { ...cached, servers: [{ url: publicBaseUrl }] };
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const op of routes) {
    const path = openApiPath(op.path);
    const params = [...op.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]+$', maxLength: 64 },
    }));
    const responses: Record<string, JsonObject> = {};
    for (const [code, r] of Object.entries(responsesOf(op))) {
      responses[code] = {
        description: r.description,
        ...(r.schema ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.schema.name}` } } } } : {}),
      };
    }
    (paths[path] ??= {})[op.method] = {
      operationId: op.id,
      summary: op.summary,
      description: `Roles: ${describeRoles(op.roles)}.`,
      'x-roles': op.roles,
      security: [{ bearerAuth: [] }],
      parameters: [...params, ...queryParameters(op.query)],
      ...(requestBody(op) ? { requestBody: requestBody(op) } : {}),
      responses,
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Jinhua co-governance: themed activities API',
      version: '0.1.0',
      description:
        'Start and steer themed activities (durable workflows). Every route needs a staff bearer token; each admits only the roles listed. Errors are { error: { code, message, details? } }.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: componentSchemas(routes),
    },
  };
  return { ...cached, servers: [{ url: publicBaseUrl }] };
}

const DOC_STYLE = `
body{margin:0;font:15px/1.6 -apple-system,BlinkMacSystemFont,'PingFang SC','Microsoft YaHei',Helvetica,Arial,sans-serif;color:#222;background:#f6f4ef}
main{max-width:960px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:24px 0 8px}h3{font-size:16px;margin:0 0 6px}
.op{background:#fff;border-radius:10px;padding:12px 14px;margin:10px 0}
.m{display:inline-block;min-width:48px;text-align:center;font-weight:700;border-radius:6px;padding:0 6px;color:#fff;background:#2e6db0}
.m.post{background:#2f8a4c}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{background:#f1eee7;border-radius:8px;padding:10px;overflow:auto}
table{border-collapse:collapse}td{padding:2px 10px 2px 0;vertical-align:top}
`;

/** A readable, self-contained page (no script, no CDN) listing every path, method, role and schema. */
export function docsPage(doc: JsonObject): string {
  const paths = doc.paths as Record<string, Record<string, JsonObject>>;
  const schemas = (doc.components as { schemas: Record<string, JsonObject> }).schemas;
  const ref = (value: unknown): string => {
    const r = (value as { $ref?: string } | undefined)?.$ref;
    if (!r) return '';
    const name = r.split('/').pop() ?? '';
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  };
  const ops: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const roles = (op['x-roles'] as string[]).join(', ');
      const bodyContent = (op.requestBody as { content: Record<string, { schema: unknown }> } | undefined)?.content;
      const body = bodyContent?.['application/json']?.schema;
      // A body that is not JSON (the CSV import) is named by its media type.
      const otherBody = bodyContent && !body ? Object.keys(bodyContent)[0] : undefined;
      const params = (op.parameters as { name: string; in: string; required: boolean }[]).map(
        (p) => `<code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ', required' : ''})`,
      );
      const responses = Object.entries(op.responses as Record<string, { description: string; content?: Record<string, { schema: unknown }> }>).map(
        ([code, r]) => `<tr><td><code>${escapeHtml(code)}</code></td><td>${escapeHtml(r.description)} ${ref(r.content?.['application/json']?.schema)}</td></tr>`,
      );
      ops.push(
        `<div class="op" id="op-${escapeHtml(String(op.operationId))}"><h3><span class="m ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h3>` +
          `<p>${escapeHtml(String(op.summary))}</p><table>` +
          `<tr><td>Roles</td><td>${escapeHtml(roles)}</td></tr>` +
          (params.length ? `<tr><td>Parameters</td><td>${params.join(', ')}</td></tr>` : '') +
          (body ? `<tr><td>Body</td><td>${ref(body)}</td></tr>` : '') +
          (otherBody ? `<tr><td>Body</td><td><code>${escapeHtml(otherBody)}</code></td></tr>` : '') +
          `</table><table>${responses.join('')}</table></div>`,
      );
    }
  }
  const schemaBlocks = Object.entries(schemas).map(
    ([name, schema]) => `<div class="op" id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></div>`,
  );
  const info = doc.info as { title: string; description: string; version: string };
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(info.title)}</title><style>${DOC_STYLE}</style></head><body><main>` +
    `<h1>${escapeHtml(info.title)} <small>v${escapeHtml(info.version)}</small></h1><p>${escapeHtml(info.description)}</p>` +
    `<p>Authentication: <code>Authorization: Bearer &lt;staff token&gt;</code>. Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>` +
    `<h2>Operations</h2>${ops.join('')}<h2>Schemas</h2>${schemaBlocks.join('')}</main></body></html>`
  );
}
