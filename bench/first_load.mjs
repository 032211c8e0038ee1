// Bytes transferred (compressed, headers excluded) to display a page with
// an empty cache, by resource. node bench/first_load.mjs URL
import { launch } from '../browser-tests/lib.mjs';
const url = process.argv[2];
const browser = await launch();
const context = await browser.newContext();
const page = await context.newPage();
const rows = [];
page.on('requestfinished', async (req) => {
  const sizes = await req.sizes();
  const res = await req.response();
  rows.push({ url: req.url().replace(/^https?:\/\/[^/]+/, ''), bytes: sizes.responseBodySize, encoding: (await res.allHeaders())['content-encoding'] || '-' });
});
await page.goto(url, { waitUntil: 'networkidle' });
await browser.close();
const total = rows.reduce((s, r) => s + r.bytes, 0);
console.log('| resource | encoding | bytes |');
console.log('|---|---|---|');
for (const r of rows.sort((a, b) => b.bytes - a.bytes)) console.log(`| \`${r.url}\` | ${r.encoding} | ${r.bytes} |`);
console.log(`| **total (${rows.length} requests)** | | **${total}** (${(total / 1024).toFixed(0)} KiB) |`);
