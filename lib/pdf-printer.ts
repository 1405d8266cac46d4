/**
 * Prints an HTML page to PDF with headless Chromium (playwright-core; never a browser that a tool
 * downloads: the executable is the one the configuration names, Debian's /usr/bin/chromium by
 * default). One browser per print: the year report is printed rarely, and nothing stays running
 * between prints. The page is given as HTML and loaded with every request refused, so printing
 * reaches nothing but what the markup carries (the report's pages have no script and load
 * nothing but their own inline style).
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';

/** The configured browser is not there (or not executable): the caller answers 503 naming it. */
export class PdfPrinterUnavailable extends Error {
  override readonly name = 'PdfPrinterUnavailable';
  constructor(
    readonly executablePath: string,
    options?: { cause: unknown },
  ) {
    super(options ? `Chromium at ${executablePath} did not start (set CHROMIUM_PATH)` : `no Chromium at ${executablePath} (set CHROMIUM_PATH)`, options);
  }
}

export interface PdfPrinter {
  /** The PDF of `html`, A4, with the page's print style and its background colours. */
  print(html: string): Promise<Buffer>;
}

export function createPdfPrinter(options: { executablePath: string; timeoutMs?: number }): PdfPrinter {
  const { executablePath } = options;
  const timeout = options.timeoutMs ?? 30_000;
  // One print at a time: each is a whole browser, and a few quick clicks must not start several.
  let queue: Promise<unknown> = Promise.resolve();
  const printNow = async (html: string): Promise<Buffer> => {
    try {
      fs.accessSync(executablePath, fs.constants.X_OK);
    } catch {
      throw new PdfPrinterUnavailable(executablePath);
    }
    let browser;
    try {
      browser = await chromium.launch({
        executablePath,
        timeout,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    } catch (cause) {
      throw new PdfPrinterUnavailable(executablePath, { cause });
    }
    try {
      const context = await browser.newContext({ javaScriptEnabled: false });
      await context.route('**/*', (route) => route.abort());
      const page = await context.newPage();
      page.setDefaultTimeout(timeout);
      await page.setContent(html, { waitUntil: 'load', timeout });
      await page.emulateMedia({ media: 'print' });
      return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
    } finally {
      await browser.close();
    }
  };
  return {
    print(html) {
      const printed = queue.then(() => printNow(html));
      queue = printed.catch(() => undefined);
      return printed;
    },
  };
}
