/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium through playwright-core,
 * never a browser that a test tool downloads. Screenshots go to test-artifacts/screenshots/
 * (git-ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { DevMailbox } from '../../mail/dev-mailbox';
import { seenMail, signInLinkIn, signInMailTo } from '../api/dashboard/harness';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-artifacts/screenshots');

/** `extraArgs`: more Chromium switches, e.g. a fake camera fed from a file (test/browser/fake-camera.ts). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** One Chromium for a test file: each newPage is a fresh browser context (its own cookies). */
export interface BrowserSession {
  newPage(options?: Parameters<Browser['newContext']>[0]): Promise<Page>;
  /** Closes every context, then the browser; safe when some are already closed. */
  close(): Promise<void>;
}

export async function browserSession(extraArgs: readonly string[] = []): Promise<BrowserSession> {
  const browser = await launchChromium(extraArgs);
  const contexts: BrowserContext[] = [];
  return {
    async newPage(options = {}) {
      // People here read Chinese: their browsers ask for it (the action-link pages follow Accept-Language).
      const context = await browser.newContext({ locale: 'zh-CN', ...options });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/**
 * Signs `email` in on `page` the way a person does: the /sign-in form, the emailed link, its
 * button. Returns once the browser is on a start page (each role has its own under /dashboard).
 */
export async function signIn(page: Page, h: { baseUrl: string; mailbox: DevMailbox }, email: string): Promise<void> {
  await page.goto(`${h.baseUrl}/sign-in`);
  await page.fill('#email', email);
  const seen = seenMail(h.mailbox);
  await Promise.all([page.waitForLoadState('load'), page.locator('button[type="submit"]').click()]);
  await page.getByRole('heading', { name: '请查收邮件' }).waitFor();
  await page.goto(signInLinkIn(await signInMailTo(h.mailbox, email, seen)));
  await Promise.all([page.waitForURL((url) => url.pathname.startsWith('/dashboard')), page.locator('button[type="submit"]').click()]);
}

/**
 * A full-page PNG of what the page shows now; returns its path. Fails at once unless the file is
 * a real picture of a whole page with content (at least `minBytes`: a blank page compresses to
 * a few kB), so a screenshot nobody can use never passes silently.
 */
export async function screenshot(page: Page, name: string, minBytes = 10_000): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const bytes = fs.readFileSync(file);
  // The PNG signature, then the IHDR chunk's width and height.
  const png = bytes.subarray(0, 8).toString('hex') === '89504e470d0a1a0a';
  const width = png ? bytes.readUInt32BE(16) : 0;
  const height = png ? bytes.readUInt32BE(20) : 0;
  if (!png || width < 390 || height < 400 || bytes.length <= minBytes) {
    throw new Error(`screenshot ${name} is not a picture of a page: png=${png} ${width}x${height}, ${bytes.length} bytes (want > ${minBytes})`);
  }
  return file;
}

/** The text of the page's first <h1>. */
export async function heading(page: Page): Promise<string> {
  return ((await page.locator('h1').first().textContent()) ?? '').trim();
}

/** Reloads `page` until `check` holds, or fails after timeoutMs. */
export async function reloadUntil(page: Page, check: (html: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const content = await page.content();
    if (check(content)) return content;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
    await page.reload();
  }
}

/** The widths every staff and family page is checked at: a phone (390 px) and a desktop. */
export const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;
export type WidthName = keyof typeof WIDTHS;

/**
 * Fails when the page is wider than its viewport (a table or a long line cut off on a phone): the
 * document's scroll width must not exceed the viewport's width. Names the widest elements that
 * stick out, so the failure says what to fix.
 */
export async function expectNoHorizontalScroll(page: Page, what: string): Promise<void> {
  // A string, not a function: the tests compile without the DOM's types.
  const measured = (await page.evaluate(`(() => {
    const viewport = document.documentElement.clientWidth;
    const scroll = document.documentElement.scrollWidth;
    const over = [...document.querySelectorAll('body *')]
      .map((el) => ({ el, right: el.getBoundingClientRect().right }))
      .filter((x) => x.right > viewport + 1)
      .slice(0, 3)
      .map((x) => x.el.tagName.toLowerCase() + (x.el.className ? '.' + String(x.el.className).split(' ')[0] : '') + ' (right edge ' + Math.round(x.right) + ' px)');
    return { viewport, scroll, over };
  })()`)) as { viewport: number; scroll: number; over: string[] };
  if (measured.scroll > measured.viewport) {
    throw new Error(`${what}: the page is ${measured.scroll} px wide in a ${measured.viewport} px viewport; sticking out: ${measured.over.join(', ')}`);
  }
}

/**
 * Screenshots the page as it is now at both widths (phone first), checking at each that nothing
 * is cut off; leaves the page at the phone width. Returns the screenshots' paths.
 */
export async function checkAtBothWidths(page: Page, name: string, minBytes = 10_000): Promise<string[]> {
  const files: string[] = [];
  for (const [width, size] of [['desktop', WIDTHS.desktop], ['phone', WIDTHS.phone]] as const) {
    await page.setViewportSize(size);
    await expectNoHorizontalScroll(page, `${name} at ${width} width`);
    files.push(await screenshot(page, `${name}-${width}`, minBytes));
  }
  return files;
}
