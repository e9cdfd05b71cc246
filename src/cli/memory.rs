//! The allocator setting that training needs. A training step frees its activations and
//! allocates the same sizes again in the next step; mimalloc by default hands freed memory
//! back to the system after a second (its `purge_delay`), so each step of a 1,024-image batch
//! page-faults and zeroes hundreds of megabytes anew. Keeping the memory costs some peak memory
//! and makes large batches' steps faster (docs/BENCHMARKS.md has the figures).

use std::ffi::{c_int, c_long};

// mimalloc's C API, linked in by the `mimalloc` crate, whose Rust bindings name no constant
// for this option.
unsafe extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
    #[cfg(test)]
    fn mi_option_get(option: c_int) -> c_long;
}

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h`, the version the crate builds.
const PURGE_DELAY: c_int = 15;

/// Freed memory stays with the process for reuse (never purged).
pub fn keep_freed_memory() {
    // SAFETY: setting an option is a plain store in mimalloc's option table, valid at any time.
    unsafe { mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards the option's number: purge_delay is v3's only option whose default is 1,000 ms
    /// (run without a `MIMALLOC_PURGE_DELAY` in the environment).
    #[test]
    fn the_option_number_is_mimallocs_purge_delay() {
        // SAFETY: reading an option.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, 1000);
    }
}
