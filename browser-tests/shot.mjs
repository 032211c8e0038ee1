// Developer aid: node browser-tests/shot.mjs URL out.png [width]
import { launch, openPage } from './lib.mjs';
const [url, out, width] = process.argv.slice(2);
const browser = await launch();
const { page, problems } = await openPage(browser, { viewport: { width: Number(width || 1280), height: 900 } });
await page.goto(url, { waitUntil: 'networkidle' });
await page.screenshot({ path: out, fullPage: true });
console.log(problems.join('\n') || 'aucun problème');
await browser.close();
