// The page's only way to the model. Each function takes plain options and resolves to the answer's
// data (or throws an Error whose message is the server's). Two backends answer the same requests:
// ink-poem serve over HTTP, or, on the static page (<html data-backend="wasm">, docs/wasm.md), the
// WebAssembly build of the same server code in the visitor's browser (wasm.js).

const wasm = document.documentElement.dataset.backend === 'wasm' ? import('./wasm.js') : null;

async function call(method, path, body) {
  if (wasm) return (await wasm).call(method, path, body);
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new Error('the server cannot be reached (' + e.message + ')');
  }
  let data;
  try {
    data = await response.json();
  } catch (e) {
    throw new Error('the server answered HTTP ' + response.status + ' without JSON');
  }
  if (!response.ok) throw new Error(data.error || 'HTTP ' + response.status);
  return data;
}

// { model, script, opencc, tones, decode: [...], limits: {...} }
export function info() { return call('GET', '/healthz'); }

// options: { n, seed, decode, temperature, top_k, repeat_penalty, tones, tone_penalty } -> { couplets, seed, ... }
export function generate(options) { return call('POST', '/api/generate', options); }

// options: { heads, seed, starts, iterations, decode, ... } -> { couplet, seed, ... }
export function acrostic(options) { return call('POST', '/api/acrostic', options); }

// options: { a, b, steps, decode, ... } -> { couplets, weights, ... }
export function interpolate(options) { return call('POST', '/api/interpolate', options); }

// options: { couplet, decode, ... } -> { input, couplet, ... }
export function reconstruct(options) { return call('POST', '/api/reconstruct', options); }

// texts: [...], to: 'traditional' | 'simplified' -> { texts }
export function convert(texts, to) { return call('POST', '/api/convert', { texts, to }); }
