// The poem page: controls -> api.js -> couplets on the page. The URL's hash holds the seed and the
// options (the permalink), so a shared link writes the same couplets again.
import * as api from './api.js';

const $ = (id) => document.getElementById(id);
const state = { info: null, interpolation: [] };
// For the browser test: when the first couplets were on the page (ms since navigation start).
window.inkPoem = { firstCouplets: null };

function randomSeed() { return Math.floor(Math.random() * 1e9); }

function options() {
  const o = { decode: $('decode').value };
  if (o.decode === 'joint' && $('tones').checked) o.tones = true;
  if (o.decode === 'sample') {
    o.temperature = Number($('temperature').value);
    o.top_k = Number($('top_k').value);
  }
  return o;
}

// ---- the permalink ---------------------------------------------------------------------------------
const linked = ['seed', 'n', 'decode', 'temperature', 'top_k', 'script'];

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const id of linked) if (p.has(id)) $(id).value = p.get(id);
  $('vertical').checked = p.get('vertical') === '1';
  $('tones').checked = p.get('tones') === '1';
  if (p.has('heads')) $('heads').value = p.get('heads');
  return p;
}

function writeHash(extra = {}) {
  const p = new URLSearchParams();
  for (const id of linked) {
    if ((id === 'temperature' || id === 'top_k') && $('decode').value !== 'sample') continue;
    p.set(id, $(id).value);
  }
  if ($('vertical').checked) p.set('vertical', '1');
  if ($('tones').checked && $('decode').value === 'joint') p.set('tones', '1');
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const hash = '#' + p.toString();
  history.replaceState(null, '', hash);
  $('permalink').href = hash;
}

// ---- showing couplets ------------------------------------------------------------------------------
function showError(message) {
  const e = $('error');
  e.textContent = message;
  e.hidden = !message;
}

// Fills the list with couplets (the model's script); the displayed text follows the script switch.
async function show(list, couplets) {
  list.replaceChildren(...couplets.map((c) => {
    const li = document.createElement('li');
    li.dataset.text = c;
    li.textContent = c;
    li.lang = 'zh';
    return li;
  }));
  await applyScript([list]);
}

async function applyScript(lists) {
  const items = lists.flatMap((l) => [...l.children]);
  const want = $('script').value;
  if (!state.info || want === state.info.script || !state.info.opencc || items.length === 0) {
    for (const li of items) li.textContent = li.dataset.text;
    return;
  }
  const { texts } = await api.convert(items.map((li) => li.dataset.text), want);
  items.forEach((li, i) => { li.textContent = texts[i]; });
}

async function busy(button, work) {
  button.disabled = true;
  try {
    showError('');
    await work();
  } catch (e) {
    showError(e.message);
  } finally {
    button.disabled = false;
  }
}

// ---- the actions -----------------------------------------------------------------------------------
async function write() {
  if ($('seed').value === '') $('seed').value = randomSeed();
  const request = { ...options(), n: Number($('n').value), seed: Number($('seed').value) };
  const answer = await api.generate(request);
  await show($('couplets'), answer.couplets);
  writeHash();
  if (window.inkPoem.firstCouplets === null) window.inkPoem.firstCouplets = performance.now();
}

async function acrostic() {
  const answer = await api.acrostic({ ...options(), heads: $('heads').value, seed: Number($('seed').value) || 1 });
  await show($('acrostic'), [answer.couplet]);
  writeHash({ heads: $('heads').value });
}

function showStep() {
  const i = Number($('slider').value);
  [...$('interpolation').children].forEach((li, k) => li.classList.toggle('current', k === i));
}

async function interpolate() {
  const answer = await api.interpolate({ ...options(), a: $('from').value, b: $('to').value, steps: 9 });
  await show($('interpolation'), answer.couplets);
  const slider = $('slider');
  slider.max = String(answer.couplets.length - 1);
  slider.disabled = false;
  showStep();
}

async function reconstruct() {
  const answer = await api.reconstruct({ ...options(), couplet: $('couplet').value });
  await show($('reconstruction'), [answer.couplet]);
}

function syncSampling() {
  document.body.classList.toggle('sampling', $('decode').value === 'sample');
  document.body.classList.toggle('joint', $('decode').value === 'joint');
}
function syncVertical() { document.querySelector('main').classList.toggle('vertical', $('vertical').checked); }

function onSubmit(id, work) {
  $(id).addEventListener('submit', (e) => {
    e.preventDefault();
    busy(e.submitter || $(id).querySelector('button'), work);
  });
}

async function start() {
  const p = readHash();
  syncSampling();
  syncVertical();
  $('write').addEventListener('click', () => busy($('write'), write));
  $('reseed').addEventListener('click', () => { $('seed').value = randomSeed(); busy($('write'), write); });
  $('decode').addEventListener('change', syncSampling);
  $('vertical').addEventListener('change', () => { syncVertical(); writeHash(); });
  $('tones').addEventListener('change', () => busy($('write'), write));
  $('script').addEventListener('change', () => busy($('write'), async () => {
    await applyScript([$('couplets'), $('acrostic'), $('interpolation'), $('reconstruction')]);
    writeHash();
  }));
  $('slider').addEventListener('input', showStep);
  onSubmit('acrostic-form', acrostic);
  onSubmit('interpolate-form', interpolate);
  onSubmit('reconstruct-form', reconstruct);

  await busy($('write'), async () => {
    state.info = await api.info();
    $('model').textContent = state.info.model + ' (' + state.info.script + ', ' + state.info.vocab + ' characters)';
    $('n').max = String(state.info.limits.n);
    if (!p.has('script')) $('script').value = state.info.script;  // show the model's own script
    if (!state.info.opencc) $('script').disabled = true;
    if (!state.info.tones) { $('tones').checked = false; $('tones').disabled = true; }  // the model has no tone table
    await write();
    if (p.has('heads')) await acrostic();
  });
}

start();
