// The training worker: the same wasm module as the page. Its entry point sees a worker scope
// and starts the training side (src/web/worker/), which posts "ready" when it listens.
import init from './cifar-lab-web.js';

init({ module_or_path: new URL('./cifar-lab-web_bg.wasm', import.meta.url) }).catch((error) => {
  // The envelope of src/web/envelope.rs: the event's JSON under `json`.
  const event = { type: 'crashed', message: `the worker's WebAssembly did not start: ${error}` };
  postMessage({ json: JSON.stringify(event) });
});
