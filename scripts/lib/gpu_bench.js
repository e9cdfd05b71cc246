// The browser build's training step on a GPU without a browser: Deno (whose WebGPU is wgpu)
// runs the app's own training worker (dist/worker.js, the GPU module) and asks it to Measure
// speed, exactly as the page does. Prints one JSON line per model: img/s, the first step's
// time, and the GPU work per step counted by www/gpu_meter.js (src/train/gpu_work.rs).
// Usage: deno run --allow-read --unstable-webgpu scripts/lib/gpu_bench.js DIST [MODEL[:BATCH] ...]
//   MODEL: plain, dropout, deeper, deeper-bn or fast94 (default: plain deeper fast94), each at
//   its preset's batch size unless BATCH says otherwise

const [dist, ...named] = Deno.args;
if (!dist) {
  console.error('usage: gpu_bench.js DIST [MODEL ...]');
  Deno.exit(2);
}
const models = named.length ? named : ['plain', 'deeper', 'fast94'];
// Each preset's optimizer and batch size (src/train/config.rs), or the batch asked for.
const recipe = (job) => {
  const [model, batch] = job.split(':');
  const preset = model === 'fast94'
    ? { optimizer: 'nesterov', batch_size: 1024 }
    : { optimizer: 'adadelta', batch_size: 128 };
  return batch ? { ...preset, batch_size: Number(batch) } : preset;
};
const root = new URL(`file://${Deno.realPathSync(dist)}/`);

function measure(job) {
  const model = job.split(':')[0];
  return new Promise((resolve) => {
    const started = performance.now();
    // One worker (and GPU device) per model: every first step compiles from cold.
    const worker = new Worker(new URL('worker.js?module=gpu', root), { type: 'module' });
    const post = (request) => worker.postMessage({ json: JSON.stringify(request) });
    const done = (result) => {
      worker.terminate();
      resolve({ model, ...recipe(job), ...result });
    };
    worker.onerror = (e) => {
      e.preventDefault();
      done({ error: `the worker failed: ${e.message}` });
    };
    worker.onmessage = ({ data }) => {
      const event = JSON.parse(data.json);
      switch (event.type) {
        case 'ready':
          post({ type: 'init' });
          break;
        case 'backend':
          if (!event.webgpu) return done({ error: `no WebGPU: ${event.problem}` });
          post({ type: 'measure_speed', model, backend: 'web_gpu', ...recipe(job) });
          break;
        case 'speed_measured':
          done({
            adapter: null,
            backend: event.backend,
            seconds_with_worker_start: (performance.now() - started) / 1000,
            ...event.sample,
          });
          break;
        case 'speed_failed':
        case 'crashed':
        case 'refused':
          done({ error: event.message });
          break;
      }
    };
  });
}

const adapter = await navigator.gpu?.requestAdapter();
const info = adapter?.info ?? {};
console.error(`WebGPU adapter: ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unnamed'}`);
for (const model of models) {
  const result = await measure(model);
  result.adapter = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  console.log(JSON.stringify(result));
}
