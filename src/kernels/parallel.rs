//! How the kernels spread images over threads: rayon's pool natively, one thread in
//! WebAssembly (no threads without cross-origin isolation; see docs/BENCHMARKS.md), and the
//! per-thread scratch buffer they unfold images into.

use std::cell::RefCell;

thread_local! {
    /// Reused across calls: a fresh buffer per image would cost a page fault per 4 KiB.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Frees every thread's scratch buffer when dropped. Held from the start of a training run or
/// an evaluation to its end, so that a wide model's buffers (up to the memory cap, 2 GiB) do
/// not outlive it in the page's long-lived worker, where the next run's memory check could
/// not count them.
#[must_use = "the buffers are freed when this is dropped"]
pub struct ScratchScope;

impl Drop for ScratchScope {
    fn drop(&mut self) {
        release_this_thread();
        #[cfg(not(target_arch = "wasm32"))]
        rayon::broadcast(|_| release_this_thread());
    }
}

fn release_this_thread() {
    SCRATCH.with(|cell| {
        // In use further up this thread's stack (rayon ran this between two parts of a
        // job): that job frees it later.
        if let Ok(mut buffer) = cell.try_borrow_mut() {
            *buffer = Vec::new();
        }
    });
}

/// How many images the kernels work on at once, each with its own scratch buffer.
pub fn threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    return rayon::current_num_threads();
    #[cfg(target_arch = "wasm32")]
    return 1;
}

/// Runs `work` with this thread's scratch buffer, `len` long (its contents are left over from
/// earlier use: `work` must overwrite what it reads).
fn with_scratch<R>(len: usize, work: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            if buffer.len() < len {
                buffer.resize(len, 0.0);
            }
            work(&mut buffer[..len])
        }
        // Re-entered on this thread (rayon can run another job while one waits): use a
        // buffer of its own.
        Err(_) => work(&mut vec![0.0; len]),
    })
}

/// Calls `work(scratch, b, chunk)` for each image `b` and its `chunk_len` slice of `out`, with
/// a `scratch_len` scratch buffer.
pub fn for_each_image(
    out: &mut [f32],
    chunk_len: usize,
    scratch_len: usize,
    work: impl Fn(&mut [f32], usize, &mut [f32]) + Send + Sync,
) {
    if chunk_len == 0 {
        return;
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(b, chunk)| with_scratch(scratch_len, |s| work(s, b, chunk)));
    }
    #[cfg(target_arch = "wasm32")]
    with_scratch(scratch_len, |s| {
        for (b, chunk) in out.chunks_mut(chunk_len).enumerate() {
            work(s, b, chunk);
        }
    });
}

/// Sums `len` values over the images: `work(scratch, b, sums)` adds image `b`'s share.
/// Each worker keeps its own partial sums, added together at the end.
pub fn sum_over_images(
    images: usize,
    len: usize,
    scratch_len: usize,
    work: impl Fn(&mut [f32], usize, &mut [f32]) + Send + Sync,
) -> Vec<f32> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        // One run of images per thread: fewer partial sums to allocate and add.
        let per_thread = images.div_ceil(rayon::current_num_threads()).max(1);
        (0..images)
            .into_par_iter()
            .with_min_len(per_thread)
            .fold(
                || vec![0.0; len],
                |mut sums, b| {
                    with_scratch(scratch_len, |s| work(s, b, &mut sums));
                    sums
                },
            )
            .reduce(
                || vec![0.0; len],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                    a
                },
            )
    }
    #[cfg(target_arch = "wasm32")]
    {
        let mut sums = vec![0.0; len];
        with_scratch(scratch_len, |s| {
            for b in 0..images {
                work(s, b, &mut sums);
            }
        });
        sums
    }
}

/// The sum of `values`, in 16 independent lanes so that it vectorizes (a plain `sum()` is
/// one serial chain of additions).
pub fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    let chunks = values.chunks_exact(16);
    let rest: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// Scratch memory held by every thread of the pool and this one.
    fn held() -> usize {
        // A buffer in use by another test's kernel counts as none.
        let capacity = || SCRATCH.with(|cell| cell.try_borrow().map_or(0, |b| b.capacity()));
        capacity() + rayon::broadcast(|_| capacity()).iter().sum::<usize>()
    }

    /// A run's scratch buffers (a wide convolution's: 64 MiB a thread here) are gone when it
    /// ends, on every thread.
    #[test]
    fn a_runs_scratch_memory_is_freed_when_it_ends() {
        // A pool of its own: another test's run ending on the global pool frees that pool's
        // buffers, which would make this one's look freed before its own scope ends.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            let wide = 16 << 20;
            {
                let _scope = ScratchScope;
                let mut out = vec![0.0f32; 8];
                for_each_image(&mut out, 1, wide, |scratch, b, chunk| {
                    scratch[b] = 1.0;
                    chunk[0] = scratch[b];
                });
                assert!(held() >= wide, "the kernels used their scratch buffers");
            }
            assert!(held() < wide, "{} floats still held", held());
        });
    }
}
