/**
 * `/openapi.json`: an OpenAPI 3.1 document generated from the admin route table and its zod schemas with zod 4's
 * own JSON Schema output (draft 2020-12, which OpenAPI 3.1 uses), never a hand-written copy.
 */
import { z } from 'zod';
import { ADMIN_ROUTES, ErrorBodySchema } from '../../shared/api/admin';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** `:orgId` → `{orgId}`. */
const openApiPath = (path: string): string => path.replace(/:([A-Za-z]+)/g, '{$1}');

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

const ERROR_RESPONSES = {
  '400': 'Invalid request (fields names each invalid input)',
  '401': 'No valid access token of the relay app',
  '403': 'Signed in without an admin role (or operator-only)',
  '404': 'No such organization / user / run — or one the caller may not manage',
  '409': 'Conflict (taken value, check in progress, not configured)',
} as const;

export function buildOpenApiDocument(options: { serverUrl?: string } = {}): Record<string, unknown> {
  const errorSchema = schemaOf(ErrorBodySchema, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ADMIN_ROUTES) {
    const r = route as (typeof ADMIN_ROUTES)[number] & { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType; bodyContentType?: string; eventStream?: boolean; operatorOnly?: boolean };
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(r.responses as Record<string, z.ZodType>)) {
      const contentType = r.eventStream ? 'text/event-stream' : 'application/json';
      responses[status] = { description: r.eventStream ? 'Server-Sent Events; the schema is that of one event payload' : 'OK', content: { [contentType]: { schema: schemaOf(schema, 'output') } } };
    }
    for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
      responses[status] = { description, content: { 'application/json': { schema: errorSchema } } };
    }
    const operation: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')],
      responses,
      security: [{ entra: [] }],
      ...(r.operatorOnly ? { 'x-operator-only': true } : {}),
    };
    if (r.bodyContentType === 'text/csv') {
      operation.requestBody = { required: true, content: { 'text/csv': { schema: { type: 'string', description: 'UTF-8 CSV (with or without BOM), `,` or `;`' } } } };
    } else if (r.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } };
    }
    (paths[openApiPath(r.path)] ??= {})[r.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'C4C relay admin API',
      version: '1.0.0',
      description: 'Admin console API of the Outlook ⇄ SAP Cloud for Customer relay. Generated from shared/api/admin.ts.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    components: {
      securitySchemes: {
        entra: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Entra ID v2.0 access token of the relay app with the Admin (or Operator) app role' },
      },
    },
    paths,
  };
}
