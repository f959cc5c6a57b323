// The poem page of `ink-poem serve` in headless Chromium: starts the server on a free loopback port
// with the shipped model (or one it trains on the fixture corpus), writes couplets, checks that ten
// lines of 5 + 5 Han characters appear and that the permalink brings them back, runs an acrostic and
// checks the heads, moves the interpolation slider, submits bad input and checks the error shown,
// switches tone-aware decoding on and checks that the page shows the API's tonal couplets,
// checks the vertical layout and the phone-sized layout, measures the first paint of ten couplets,
// and saves screenshots. The server and the browser are stopped however the test ends.
//
//   node poem_page.test.mjs --binary ink-poem --source <repo> --chromium /usr/bin/chromium --work <dir>
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openBrowser } from './browser.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
for (const need of ['binary', 'source', 'chromium', 'work'])
  if (!args[need]) { console.error(`poem_page.test.mjs: --${need} is required`); process.exit(2); }

const han = /^\p{Script=Han}{5}，\p{Script=Han}{5}$/u;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ink-poem-page-'));
let server = null, browser = null, failures = 0;

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

function model() {
  const shipped = path.join(args.source, 'models', 'poem-simplified.safetensors');
  if (fs.existsSync(shipped)) return shipped;
  const tiny = path.join(tmp, 'tiny.safetensors');
  const r = spawnSync(args.binary, ['train', '--epochs', '1', '--script', 'traditional', '--threads', '1',
    '--data', path.join(args.source, 'tests', 'fixtures', 'data', 'poems'), '--model', tiny], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('training the tiny model failed: ' + r.stderr);
  return tiny;
}

// Starts ink-poem serve on a free port (--port 0: it prints the one it got); resolves to its URL.
function startServer(modelFile) {
  return new Promise((resolve, reject) => {
    server = spawn(args.binary, ['serve', '--model', modelFile, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error('the server did not start: ' + log)), 30000);
    server.stderr.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}): ${log}`)); });
  });
}

const couplets = (page, id) => page.locator(`#${id} li`).allTextContents();
// The couplets as the model wrote them (the display may be in the other script).
const modelText = (page, id) => page.$$eval(`#${id} li`, (lis) => lis.map((li) => li.dataset.text));

async function run() {
  const url = await startServer(model());
  const { context, page, external } = await openBrowser(args.work, args.chromium, path.join(tmp, 'profile'), url);
  browser = context;

  // First visit: the page writes ten couplets by itself.
  await page.goto(url + '/#seed=42&n=10');
  await page.waitForFunction(() => window.inkPoem.firstCouplets !== null, null, { timeout: 30000 });
  const first = await couplets(page, 'couplets');
  check(first.length === 10, `ten couplets appear (${first.length})`);
  check(first.every((c) => han.test(c)), `each is 5 + 5 Han characters: ${first[0]}`);
  const paint = await page.evaluate(() => ({
    couplets: window.inkPoem.firstCouplets,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
  }));
  console.log(`first paint with 10 couplets: ${paint.couplets.toFixed(0)} ms after navigation ` +
    `(first contentful paint ${paint.fcp?.toFixed(0)} ms)`);
  fs.writeFileSync(path.join(args.work, 'first-paint.json'), JSON.stringify(paint));

  // The permalink brings the same couplets back.
  const link = await page.locator('#permalink').getAttribute('href');
  check(/seed=42/.test(link), `the permalink holds the seed (${link})`);
  await page.goto('about:blank');
  await page.goto(url + '/' + link);
  await page.waitForFunction(() => document.querySelectorAll('#couplets li').length === 10);
  check(JSON.stringify(await couplets(page, 'couplets')) === JSON.stringify(first), 'the permalink writes the same couplets');

  // A click writes new ones.
  await page.click('#reseed');
  await page.waitForFunction((old) => document.querySelector('#couplets li')?.textContent !== old, first[0]);
  const second = await couplets(page, 'couplets');
  check(second.length === 10 && second.every((c) => han.test(c)), 'a click writes ten new couplets');

  // Acrostic: the heads of the first two lines.
  const own = await modelText(page, 'couplets');
  const heads = own[0][0] + own[1][0];
  await page.fill('#heads', heads);
  await page.click('#acrostic-form button');
  await page.waitForSelector('#acrostic li');
  const acro = (await couplets(page, 'acrostic'))[0];
  check(han.test(acro) && acro[0] === heads[0] && acro[6] === heads[1], `acrostic ${heads}: ${acro}`);

  // Interpolation between two of the couplets; the slider moves along it.
  await page.fill('#from', own[2]);
  await page.fill('#to', own[3]);
  await page.click('#interpolate-form button');
  await page.waitForSelector('#slider:not([disabled])');
  const steps = await couplets(page, 'interpolation');
  const current = () => page.locator('#interpolation li.current').allTextContents();
  const start = await current();
  await page.focus('#slider');
  await page.keyboard.press('End');
  const end = await current();
  check(steps.length === 9 && steps.every((c) => han.test(c)), `interpolation: ${steps.length} couplets`);
  check(start[0] === steps[0] && end[0] === steps[steps.length - 1] && await page.inputValue('#slider') === '8',
    `the slider moves from ${start[0]} to ${end[0]}`);

  // Reconstruction.
  await page.fill('#couplet', own[4]);
  await page.click('#reconstruct-form button');
  await page.waitForSelector('#reconstruction li');
  check(han.test((await couplets(page, 'reconstruction'))[0]), 'reconstruct writes a couplet');

  // Bad input: the server's message, naming the field, is shown.
  await page.fill('#heads', heads[0]);
  await page.click('#acrostic-form button');
  await page.waitForSelector('#error:not([hidden])');
  const error = await page.textContent('#error');
  check(/^heads: .*2 characters/.test(error), `an acrostic of one character is refused: "${error}"`);
  await page.fill('#couplet', 'abc');
  await page.click('#reconstruct-form button');
  await page.waitForFunction(() => document.querySelector('#error').textContent.startsWith('couplet: '));
  check(true, `a couplet that is not one is refused: "${await page.textContent('#error')}"`);

  // The decoding mode and the script switch.
  await page.selectOption('#decode', 'sample');
  check(await page.isVisible('#temperature'), 'sampling shows its temperature');
  await page.selectOption('#decode', 'joint');
  const info = await page.evaluate(() => fetch('/healthz').then((r) => r.json()));
  if (info.opencc) {
    await page.selectOption('#script', info.script === 'simplified' ? 'traditional' : 'simplified');
    await page.waitForFunction(() => !document.querySelector('#write').disabled);
    const converted = await couplets(page, 'couplets');
    check(converted.length === 10 && converted.every((c) => /\p{Script=Han}/u.test(c)) && await page.isHidden('#error'),
      `the other script: ${converted[0]}`);
    await page.selectOption('#script', info.script);
    await page.waitForFunction(() => !document.querySelector('#write').disabled);
  }
  // Tones: the check box asks for tone-aware joint decoding ("tones": true) and rewrites the couplets;
  // they are the API's for the same seed with tones, not the plain ones, and the permalink keeps it.
  await page.selectOption('#decode', 'sample');
  check(await page.isHidden('#tones'), 'the tones option is hidden while sampling');
  await page.selectOption('#decode', 'joint');
  if (info.tones) {
    const seed = Number(await page.inputValue('#seed'));
    const ask = (body) => page.evaluate((b) => fetch('/api/generate', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b),
    }).then((r) => r.json()), body);
    const tonal = await ask({ n: 10, seed, tones: true });
    const plain = await ask({ n: 10, seed });
    await page.check('#tones');
    const want = JSON.stringify(tonal.couplets);
    const shown = await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('#couplets li')]
      .map((li) => li.dataset.text)) === w, want, { timeout: 10000 }).then(() => true, () => false);
    check(shown && tonal.tones === true && want !== JSON.stringify(plain.couplets),
      `tones: the page shows the tone-aware couplets of seed ${seed}: ${tonal.couplets[0]} (plain ${plain.couplets[0]})`);
    check(/tones=1/.test(await page.locator('#permalink').getAttribute('href')), 'the permalink holds the tones');
    await page.uncheck('#tones');
    await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('#couplets li')]
      .map((li) => li.dataset.text)) === w, JSON.stringify(plain.couplets));
  } else {
    check(await page.isDisabled('#tones'), 'a model without a tone table disables the tones option');
  }
  await page.fill('#heads', heads);
  await page.click('#acrostic-form button');
  await page.waitForFunction(() => document.querySelector('#error').hidden &&
    !document.querySelector('#acrostic-form button').disabled);
  await page.screenshot({ path: path.join(args.work, 'poem-page.png'), fullPage: true });

  // Vertical, right to left.
  await page.check('#vertical');
  const mode = await page.$eval('#couplets', (e) => getComputedStyle(e).writingMode);
  check(mode === 'vertical-rl', `vertical layout: writing-mode ${mode}`);
  check(/vertical=1/.test(await page.locator('#permalink').getAttribute('href')), 'the permalink holds the layout');
  await page.screenshot({ path: path.join(args.work, 'poem-page-vertical.png') });
  await page.uncheck('#vertical');

  // A phone-sized screen: nothing wider than it.
  await page.setViewportSize({ width: 375, height: 740 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 375, `phone width: the page is ${width} px wide in a 375 px screen`);
  await page.screenshot({ path: path.join(args.work, 'poem-page-phone.png'), fullPage: true });

  check(external.length === 0, `no request leaves the server (${external.join(', ')})`);
}

try {
  await run();
} catch (e) {
  console.error(e);
  failures++;
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) server.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
