// The static poem page (the wasm preset's build/wasm/poem-page, docs/wasm.md) in headless Chromium,
// served by a plain static file server on loopback that this test starts and stops. Checks: ten
// couplets appear by themselves and are those of the native `ink-poem generate` for the same seed and
// model; an acrostic has its heads; interpolation and reconstruction write couplets; a missing model,
// a corrupt model and a browser without WebAssembly SIMD are reported in words; no request leaves the
// server. Measures the first ten couplets, 100 couplets, the transfer size and the GEMM GFLOP/s in
// the browser (written to <work>/wasm-page.json for docs/wasm.md).
//
//   node wasm_page.test.mjs --page <poem-page dir> --native <ink-poem> --chromium /usr/bin/chromium
//     --work <dir with node_modules/playwright-core>
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { openBrowser } from './browser.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
for (const need of ['page', 'native', 'chromium', 'work'])
  if (!args[need]) { console.error(`wasm_page.test.mjs: --${need} is required`); process.exit(2); }

const han = /^\p{Script=Han}{5}，\p{Script=Han}{5}$/u;
const MODEL = 'models/poem-simplified.safetensors';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ink-wasm-page-'));
let server = null, browser = null, failures = 0;
let transferred = 0;

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css',
  '.wasm': 'application/wasm', '.safetensors': 'application/octet-stream' };

// The page folder under /, and two broken copies: /missing/ has no model, /corrupt/ a truncated one.
function serve(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  let rel = decodeURIComponent(url.pathname);
  let variant = '';
  for (const v of ['/missing', '/corrupt']) if (rel.startsWith(v + '/')) { variant = v; rel = rel.slice(v.length); }
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.join(path.resolve(args.page), path.normalize(rel));
  const type = types[path.extname(file)];
  if (!file.startsWith(path.resolve(args.page) + path.sep) || !type || !fs.existsSync(file) ||
      (variant === '/missing' && rel === '/' + MODEL)) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
    return;
  }
  let body = fs.readFileSync(file);
  if (variant === '/corrupt' && rel === '/' + MODEL) body = body.subarray(0, 1000);
  if (!variant) transferred += body.length;
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(body);
}

function nativeCouplets(n, seed) {
  const r = spawnSync(args.native, ['generate', '-n', String(n), '--seed', String(seed), '--decode', 'joint',
    '--model', path.join(args.page, MODEL)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('native ink-poem generate failed: ' + r.stderr);
  return r.stdout.trim().split('\n');
}

const couplets = (page, id) => page.$$eval(`#${id} li`, (lis) => lis.map((li) => li.dataset.text));

async function errorOf(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('#error:not([hidden])', { timeout: 30000 });
  const text = await page.textContent('#error');
  await page.close();
  return text;
}

async function run() {
  server = http.createServer(serve);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const { context, page, external } = await openBrowser(args.work, args.chromium, path.join(tmp, 'profile'), url);
  browser = context;
  page.on('pageerror', (e) => check(false, `no uncaught error on the page: ${e.message}`));

  // First visit: ten couplets, model download and module start included.
  await page.goto(url + '/#seed=42&n=10&decode=joint');
  await page.waitForFunction(() => (window.inkPoem && window.inkPoem.firstCouplets !== null) ||
    document.querySelector('#error')?.hidden === false, null, { timeout: 60000 });
  const first = await couplets(page, 'couplets');
  const firstMs = await page.evaluate(() => window.inkPoem.firstCouplets);
  check(first.length === 10 && first.every((c) => han.test(c)), `ten couplets of 5 + 5 Han characters: ${first[0]}`);
  check(await page.isHidden('#error'), 'no error is shown');
  console.log(`first ten couplets ${firstMs.toFixed(0)} ms after navigation; ${transferred} bytes transferred`);

  // The same couplets as native ink-poem (same model, seed and decoding).
  const native = nativeCouplets(10, 42);
  const same = first.filter((c, i) => c === native[i]).length;
  check(same === 10, `the couplets are native ink-poem's for seed 42 (${same} of 10 equal)`);
  if (same !== 10) first.forEach((c, i) => { if (c !== native[i]) console.log(`  wasm ${c}  native ${native[i]}`); });

  // Acrostic (gradient steps on z, in wasm).
  await page.fill('#heads', '春风');
  const acrosticStart = Date.now();
  await page.click('#acrostic-form button');
  await page.waitForSelector('#acrostic li', { timeout: 60000 });
  const acrosticMs = Date.now() - acrosticStart;
  const acro = (await couplets(page, 'acrostic'))[0];
  check(han.test(acro) && acro[0] === '春' && acro[6] === '风', `acrostic 春风: ${acro} (${acrosticMs} ms)`);

  await page.click('#interpolate-form button');
  await page.waitForSelector('#slider:not([disabled])');
  const steps = await couplets(page, 'interpolation');
  check(steps.length === 9 && steps.every((c) => han.test(c)), `interpolation: ${steps.length} couplets`);
  await page.click('#reconstruct-form button');
  await page.waitForSelector('#reconstruction li');
  check(han.test((await couplets(page, 'reconstruction'))[0]), 'reconstruct writes a couplet');
  await page.fill('#heads', '春');
  await page.click('#acrostic-form button');
  await page.waitForSelector('#error:not([hidden])');
  const refused = await page.textContent('#error');
  check(/^heads: .*2 characters/.test(refused), `one head character is refused: "${refused}"`);

  // Speed in the browser: 100 couplets, and ink's GEMM.
  const speed = await page.evaluate(async () => {
    const api = await import('./api.js');
    const wasm = await import('./wasm.js');
    const times = [];
    for (let r = 0; r < 5; ++r) {
      const t0 = performance.now();
      await api.generate({ n: 100, seed: r + 1, decode: 'joint' });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      hundredMs: times[2],
      gemm256: await wasm.gemmGflops(256, 256, 256, 21),
      gemmPoem: await wasm.gemmGflops(640, 7000, 64, 7),
    };
  });
  console.log(`100 couplets: ${speed.hundredMs.toFixed(0)} ms (median of 5); GEMM 256^3 ${speed.gemm256.toFixed(1)} ` +
    `GFLOP/s, 640x64x7000 ${speed.gemmPoem.toFixed(1)} GFLOP/s`);
  check(speed.gemm256 > 0 && speed.gemmPoem > 0, 'the GEMM measurement ran');
  check(external.length === 0, `no request leaves the server (${external.join(', ')})`);
  await page.screenshot({ path: path.join(args.work, 'wasm-page.png'), fullPage: true });
  fs.writeFileSync(path.join(args.work, 'wasm-page.json'),
    JSON.stringify({ firstMs, transferred, acrosticMs, ...speed }, null, 1));

  // Bad input, in words.
  const missing = await errorOf(context, url + '/missing/#seed=1');
  check(/missing next to this page \(HTTP 404\)/.test(missing), `a missing model: "${missing}"`);
  const corrupt = await errorOf(context, url + '/corrupt/#seed=1');
  check(/cannot be used: /.test(corrupt), `a corrupt model: "${corrupt}"`);
  const noSimd = await context.newPage();
  // What a browser without WebAssembly SIMD answers for the page's probe module.
  await noSimd.addInitScript(() => { WebAssembly.validate = () => false; });
  await noSimd.goto(url + '/#seed=1');
  await noSimd.waitForSelector('#error:not([hidden])');
  const simd = await noSimd.textContent('#error');
  check(/no WebAssembly SIMD/.test(simd), `no SIMD: "${simd}"`);
}

try {
  await run();
} catch (e) {
  console.error(e);
  failures++;
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
