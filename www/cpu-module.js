// Which build of the CPU module this engine runs, for the page (boot.js) and every training
// worker (worker.js) alike: `cifar-lab-web-relaxed`, whose matrix products use relaxed SIMD's
// fused multiply-add, where the engine validates relaxed SIMD (Chrome 114+, Firefox 145+);
// elsewhere `cifar-lab-web` (Safari, older engines), since an engine without relaxed SIMD
// refuses a whole module that uses it. Each visitor downloads one of the two.
//
// The probe is a module of one function, `f32x4.relaxed_madd` of three zero vectors (as
// GoogleChromeLabs' wasm-feature-detect asks): validated, never run.
const zeros = () => [0xfd, 0x0c, ...new Array(16).fill(0)]; // v128.const 0
const probe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: one body of 59 bytes, no locals
  ...zeros(), ...zeros(), ...zeros(),
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

export const relaxedSimd = WebAssembly.validate(probe);
export const cpuModule = relaxedSimd ? 'cifar-lab-web-relaxed' : 'cifar-lab-web';
