// Counts the work the WebGPU API is asked for in this realm (the training worker, a browser
// test, or Deno for scripts/gpu-bench): pipelines and shader modules created, dispatches,
// submits, buffers created and their bytes, uploads (writeBuffer) and read-backs (mapAsync for
// reading), and the bytes held in buffers. It wraps the prototype methods once, so every caller
// (wgpu's WebGPU backend through wasm-bindgen) is counted exactly; the wrappers add a counter
// increment to each call and change nothing else. src/train/gpu_work.rs reads the totals.

const counts = {
  pipelines: 0,
  shaderModules: 0,
  dispatches: 0,
  submits: 0,
  buffers: 0,
  bufferBytes: 0,
  writes: 0,
  bytesWritten: 0,
  reads: 0,
  bytesRead: 0,
  liveBytes: 0,
};

// Buffers destroyed once: destroy() may be called again, and must not count twice.
let destroyed = new WeakSet();

function wrap(proto, name, count) {
  const original = proto?.[name];
  if (typeof original !== 'function' || original.cifarLabMetered) return;
  const metered = function (...args) {
    const result = original.apply(this, args);
    count(this, args, result);
    return result;
  };
  metered.cifarLabMetered = true;
  proto[name] = metered;
}

function byteLength(data) {
  return data?.byteLength ?? 0;
}

/// Installs the counters (once; later calls only say whether WebGPU is there to count).
export function install_gpu_meter() {
  const g = globalThis;
  if (typeof g.GPUDevice !== 'function') return false;
  const device = g.GPUDevice.prototype;
  const pipeline = () => { counts.pipelines += 1; };
  wrap(device, 'createComputePipeline', pipeline);
  wrap(device, 'createComputePipelineAsync', pipeline);
  wrap(device, 'createShaderModule', () => { counts.shaderModules += 1; });
  wrap(device, 'createBuffer', (_device, [descriptor]) => {
    const size = Number(descriptor?.size ?? 0);
    counts.buffers += 1;
    counts.bufferBytes += size;
    counts.liveBytes += size;
    if (descriptor?.mappedAtCreation) {
      counts.writes += 1;
      counts.bytesWritten += size;
    }
  });
  wrap(g.GPUBuffer?.prototype, 'destroy', (buffer) => {
    if (destroyed.has(buffer)) return;
    destroyed.add(buffer);
    counts.liveBytes -= Number(buffer.size ?? 0);
  });
  wrap(g.GPUBuffer?.prototype, 'mapAsync', (buffer, [mode, offset, size]) => {
    const bytes = Number(size ?? Number(buffer.size ?? 0) - Number(offset ?? 0));
    if (mode & (g.GPUMapMode?.READ ?? 1)) {
      counts.reads += 1;
      counts.bytesRead += bytes;
    } else {
      counts.writes += 1;
      counts.bytesWritten += bytes;
    }
  });
  wrap(g.GPUQueue?.prototype, 'writeBuffer', (_queue, [, , data, dataOffset, size]) => {
    counts.writes += 1;
    // `size` counts elements of a typed array, bytes of an ArrayBuffer.
    const element = data?.BYTES_PER_ELEMENT ?? 1;
    const all = byteLength(data) / element - Number(dataOffset ?? 0);
    counts.bytesWritten += (size === undefined ? all : Number(size)) * element;
  });
  wrap(g.GPUQueue?.prototype, 'submit', () => { counts.submits += 1; });
  const pass = g.GPUComputePassEncoder?.prototype;
  const dispatch = () => { counts.dispatches += 1; };
  wrap(pass, 'dispatchWorkgroups', dispatch);
  wrap(pass, 'dispatchWorkgroupsIndirect', dispatch);
  return true;
}

/// The running totals, as a fresh object (src/train/gpu_work.rs's `GpuCounts`).
export function gpu_counts() {
  return { ...counts };
}
