import { chromium } from 'playwright-core';
const [url, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const page = await browser.newPage({ viewport: { width: 1600, height: 820 } });
await page.goto(url);
await page.waitForSelector('text=silo', { timeout: 60000 });
await page.waitForTimeout(3000);
await page.screenshot({ path: out });
await browser.close();
