// The page's entry point: the wasm module's start function builds the page (src/web/page/).
// trunk would inline this loader; as a file, the page's Content-Security-Policy can refuse
// every inline script (crates/serve/src/lib.rs).
import { cpuModule } from './cpu-module.js';

try {
  const { default: init } = await import(`./${cpuModule}.js`);
  await init({ module_or_path: new URL(`./${cpuModule}_bg.wasm`, import.meta.url) });
} catch (error) {
  const fatal = document.getElementById('fatal');
  fatal.textContent = `cifar-lab could not start its WebAssembly: ${error}`;
  fatal.hidden = false;
}
