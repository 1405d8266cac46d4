/**
 * The PDF printer with Debian's real Chromium: a page becomes a PDF whose text is the page's; a
 * missing browser is named, not a crash; an unreachable image does not hold a print up; prints queue.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPdfPrinter, PdfPrinterUnavailable } from '../../lib/pdf-printer';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-printer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const textOf = (pdf: Buffer, name: string) => {
  const file = path.join(dir, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
};

test('prints a page to a PDF holding its text, Chinese included, one print after another', async () => {
  const printer = createPdfPrinter({ executablePath: '/usr/bin/chromium' });
  const page = (n: number) => `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>@media print{.noprint{display:none}}</style></head><body><h1>年度报告 ${n}</h1><p class="noprint">屏幕上才有</p><img src="http://127.0.0.1:9/never.png" alt=""></body></html>`;
  const [a, b] = await Promise.all([printer.print(page(1)), printer.print(page(2))]);
  expect(a.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(textOf(a, 'a')).toContain('年度报告 1');
  expect(textOf(a, 'a')).not.toContain('屏幕上才有');
  expect(textOf(b, 'b')).toContain('年度报告 2');
});

test('a missing browser is PdfPrinterUnavailable naming its path', async () => {
  const printer = createPdfPrinter({ executablePath: path.join(dir, 'no-chromium') });
  const printed = printer.print('<p>x</p>');
  await expect(printed).rejects.toBeInstanceOf(PdfPrinterUnavailable);
  await expect(printer.print('<p>x</p>')).rejects.toMatchObject({ executablePath: path.join(dir, 'no-chromium') });
});

test('a file that is not a browser is unavailable too, not a crash', async () => {
  const fake = path.join(dir, 'not-chromium');
  fs.writeFileSync(fake, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  await expect(createPdfPrinter({ executablePath: fake, timeoutMs: 10_000 }).print('<p>x</p>')).rejects.toBeInstanceOf(PdfPrinterUnavailable);
});
