/**
 * The page a person gets while a part the product needs is down (the database, Temporal): 503 with
 * Retry-After, in their language, saying to try again shortly — never a 500 "something went
 * wrong" or a 404 "not found" that makes a family at the door think their link is wrong.
 */
import type { Request, Response } from 'express';
import { stringsFor } from '../links/i18n';
import type { HttpError } from './errors';
import { publicPage, messageCard } from './layout';
import { pickLocale } from './locale';

export function sendOutagePage(req: Request, res: Response, error: HttpError): void {
  const s = stringsFor(pickLocale(req, 'zh-CN'));
  const { title, body } = s.pages.unavailable;
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  res
    .status(503)
    .type('html')
    .send(publicPage({ s, title, body: messageCard(title, [body]) }));
}
