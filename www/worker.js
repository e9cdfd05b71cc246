// The training worker: one of the app's builds, named by this script's address. Plain
// `worker.js` runs the CPU-only module (the page's own, chosen as the page chose it:
// cpu-module.js); `worker.js?module=gpu` the GPU module, with burn's WebGPU backend
// (src/web/page/worker.rs chooses). Its entry point sees a worker scope and starts the
// training side (src/web/worker/), which posts "ready" when it listens.
import { cpuModule } from './cpu-module.js';

const gpu = new URL(import.meta.url).searchParams.get('module') === 'gpu';
const name = gpu ? 'cifar-lab-web-gpu' : cpuModule;

try {
  const { default: init } = await import(`./${name}.js`);
  await init({ module_or_path: new URL(`./${name}_bg.wasm`, import.meta.url) });
} catch (error) {
  // The envelope of src/web/js/envelope.rs: the event's JSON under `json`.
  const event = { type: 'crashed', message: `the worker's WebAssembly did not start: ${error}` };
  postMessage({ json: JSON.stringify(event) });
}
