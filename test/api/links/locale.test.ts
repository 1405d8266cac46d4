import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pickLocale } from '../../../api/links/i18n';
import { readCookie } from '../../../api/http/session';

// A bare Express app over real HTTP, so the negotiation is Express's own (req.acceptsLanguages).
let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.get('/zh-default', (req, res) => void res.json({ locale: pickLocale(req, 'zh-CN'), lang: readCookie(req, 'cg_lang') ?? null }));
  app.get('/en-default', (req, res) => void res.json({ locale: pickLocale(req, 'en') }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function localeOf(path: string, headers: Record<string, string> = {}): Promise<{ locale: string; lang?: string | null }> {
  return (await fetch(`${base}${path}`, { headers })).json() as Promise<{ locale: string; lang?: string | null }>;
}

describe('the pages’ language', () => {
  test.each([
    ['no Accept-Language keeps the configured default', '/zh-default', {}, 'zh-CN'],
    ['no Accept-Language keeps an English default', '/en-default', {}, 'en'],
    ['English by quality', '/zh-default', { 'accept-language': 'fr;q=1, en-GB;q=0.8, zh;q=0.5' }, 'en'],
    ['Chinese in any region means Simplified Chinese', '/en-default', { 'accept-language': 'zh-TW' }, 'zh-CN'],
    ['only unsupported languages keep the default', '/en-default', { 'accept-language': 'fr, de;q=0.5' }, 'en'],
    ['?lang= wins over the header', '/zh-default?lang=en', { 'accept-language': 'zh-CN' }, 'en'],
  ])('%s', async (_name, path, headers, expected) => {
    expect((await localeOf(path, headers)).locale).toBe(expected);
  });

  test('a cookie is read by name among others, URL-decoded', async () => {
    expect((await localeOf('/zh-default', { cookie: 'a=1; cg_lang=zh-CN; b=%20x' })).lang).toBe('zh-CN');
    expect((await localeOf('/zh-default', { cookie: 'cg_lang_x=en' })).lang).toBeNull();
  });
});
