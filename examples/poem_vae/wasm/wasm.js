// The static page's backend (web/api.js when <html data-backend="wasm">): loads the WebAssembly module
// (ink-poem.js + ink-poem.wasm) and the model next to the page once, then answers api.js's requests
// with the module's copy of ink-poem serve's API (module.cpp). Whatever fails on the way (no
// WebAssembly, no SIMD, a missing or corrupt model) becomes an Error whose message the page shows.

const MODEL = 'models/poem-simplified.safetensors';
const MAX_MODEL_BYTES = 64 << 20;  // the shipped model is 2.3 MB; refuse to buffer anything absurd

// The smallest module that uses a SIMD instruction: (func (result v128) v128.const 0). It validates
// only in an engine with WebAssembly SIMD, which ink-poem.wasm needs (it is built with -msimd128).
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,        // types: () -> v128
  0x03, 0x02, 0x01, 0x00,                          // functions: one of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c,        // code: no locals, v128.const
  ...new Array(16).fill(0), 0x0b,                  // 16 zero bytes, end
]);

export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

async function fetchModel() {
  let response;
  try {
    response = await fetch(MODEL);
  } catch (e) {
    throw new Error(`the model ${MODEL} cannot be downloaded (${e.message})`);
  }
  if (!response.ok) throw new Error(`the model ${MODEL} is missing next to this page (HTTP ${response.status})`);
  const declared = Number(response.headers.get('Content-Length') || 0);
  if (declared > MAX_MODEL_BYTES) throw new Error(`the model ${MODEL} is ${declared} bytes, more than a poem model can be`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_MODEL_BYTES) throw new Error(`the model ${MODEL} is more than ${MAX_MODEL_BYTES} bytes`);
  return bytes;
}

async function start() {
  if (typeof WebAssembly !== 'object') throw new Error('this browser has no WebAssembly, which the poem page needs');
  if (!simdSupported()) {
    throw new Error('this browser has no WebAssembly SIMD (128-bit), which the poem page needs: ' +
      'use a current Chrome, Edge, Firefox or Safari (16.4 or later)');
  }
  const [{ default: createInkPoem }, model] = await Promise.all([import('./ink-poem.js'), fetchModel()]);
  const module = await createInkPoem();
  const file = '/' + MODEL;
  module.FS.mkdirTree('/models');
  module.FS.writeFile(file, model);
  const error = module.ccall('ink_poem_load', 'string', ['string'], [file]);
  module.FS.unlink(file);  // the weights are in the model's tensors now
  if (error) throw new Error(`the model ${MODEL} cannot be used: ${error}`);
  return {
    handle: module.cwrap('ink_poem_handle', 'string', ['string', 'string', 'string']),
    status: module.cwrap('ink_poem_status', 'number', []),
    gemmGflops: module.cwrap('ink_poem_gemm_gflops', 'number', ['number', 'number', 'number', 'number']),
  };
}

let loading = null;
function loaded() {
  if (!loading) loading = start();
  return loading;
}

// The same contract as api.js's HTTP call: resolves to the answer's data or throws its error.
export async function call(method, path, body) {
  const m = await loaded();
  const data = JSON.parse(m.handle(method, path, body === undefined ? '' : JSON.stringify(body)));
  if (m.status() !== 200) throw new Error(data.error || `the module answered status ${m.status()}`);
  return data;
}

// For docs/wasm.md: GFLOP/s of ink's float GEMM (M x K) (K x N) in this browser, median of reps.
export async function gemmGflops(M, N, K, reps) { return (await loaded()).gemmGflops(M, N, K, reps); }
