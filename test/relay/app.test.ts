import { Writable } from 'node:stream';
import { Router } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { createApp } from '../../relay/http/app';
import { HttpError } from '../../relay/http/errors';
import { healthRouter } from '../../relay/http/health';
import { createLogger } from '../../relay/log';

function captureLogs() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('relay HTTP app', () => {
  const { lines, logger } = captureLogs();
  let ready = true;
  const routes = Router();
  routes.post('/echo', (req, res) => {
    const body = z.object({ name: z.string().min(1), count: z.number().int() }).parse(req.body);
    res.json(body);
  });
  routes.get('/teapot', () => {
    throw new HttpError(418, 'teapot', 'I am a teapot', { pot: 'is short' });
  });
  routes.get('/boom', () => {
    throw new Error('database password=hunter2 leaked?');
  });
  const app = createApp({
    logger,
    routers: [
      ['/', healthRouter({ isShuttingDown: () => false, checks: { database: async () => (ready ? undefined : 'migrations pending') } })],
      ['/api', routes],
    ],
  });

  it('answers /healthz and /readyz', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200);
    ready = false;
    const notReady = await request(app).get('/readyz').expect(503);
    expect(notReady.body.checks.database).toBe('migrations pending');
    ready = true;
  });

  it('sets security headers', async () => {
    const res = await request(app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('maps validation errors to 400 naming the field', async () => {
    const res = await request(app).post('/api/echo').send({ name: '', count: 1.5 }).expect(400);
    expect(res.body.error.code).toBe('invalid-request');
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['count', 'name']);
  });

  it('maps malformed JSON to 400 and unknown routes to 404, in the stable shape', async () => {
    const bad = await request(app).post('/api/echo').set('content-type', 'application/json').send('{"name":').expect(400);
    expect(bad.body).toEqual({ error: { code: 'invalid-json', message: expect.any(String) } });
    const missing = await request(app).get('/api/nothing').expect(404);
    expect(missing.body.error.code).toBe('not-found');
  });

  it('passes HttpError through and hides unexpected errors', async () => {
    const teapot = await request(app).get('/api/teapot').expect(418);
    expect(teapot.body).toEqual({ error: { code: 'teapot', message: 'I am a teapot', fields: { pot: 'is short' } } });
    const boom = await request(app).get('/api/boom').expect(500);
    expect(boom.body.error.code).toBe('internal-error');
    expect(JSON.stringify(boom.body)).not.toContain('hunter2');
  });

  it('redacts secrets in logs', () => {
    logger.info({ password: 'p4ss', c4c: { password: 'p4ss2' }, headers: { authorization: 'Basic abc' } }, 'login');
    const joined = lines.join('');
    expect(joined).not.toContain('p4ss');
    expect(joined).not.toContain('Basic abc');
    expect(joined).toContain('[redacted]');
  });
});
