//! Cache hints for passes over the events: asking the CPU to start fetching memory that the
//! pass will read a few events later.
//!
//! At a million records the events (~45 MB) no longer fit the last-level cache, and each is
//! reached through a pointer (the event from the de-duplicated list, its text from the event),
//! which the hardware prefetcher cannot follow. The pass that names graph nodes spent most of
//! its time waiting for those lines, as do the rows of `trailmask events`; asking for them a
//! few events ahead ([`crate::event::prefetch_ahead`]) lets the fetches overlap (BENCHMARKS.md
//! has the figures).
//!
//! A prefetch is only a hint: it never faults, never changes memory, and is skipped by the CPU
//! when the address is not mapped. On targets other than x86-64 the functions do nothing.

/// The size of a cache line on the CPUs this is tuned for.
const LINE: usize = 64;

/// Asks for the cache lines of `bytes` (each line once).
#[inline]
pub fn prefetch_bytes(bytes: &[u8]) {
    let start = bytes.as_ptr();
    for offset in line_offsets(start as usize, bytes.len()) {
        prefetch_line(start.wrapping_offset(offset));
    }
}

/// Asks for the cache lines that hold `value` itself (not what it points to).
#[inline]
pub fn prefetch_value<T>(value: &T) {
    let start = (value as *const T).cast::<u8>();
    for offset in line_offsets(start as usize, std::mem::size_of::<T>()) {
        prefetch_line(start.wrapping_offset(offset));
    }
}

/// The offsets from `address` of one byte in each cache line that the `len` bytes from
/// `address` touch: the first at 0, then the start of each further line.
fn line_offsets(address: usize, len: usize) -> impl Iterator<Item = isize> {
    let first_line = address - address % LINE;
    let end = address.saturating_add(len);
    (first_line..end)
        .step_by(LINE)
        .map(move |line| line.max(address).wrapping_sub(address) as isize)
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unsafe_code)]
fn prefetch_line(address: *const u8) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    // SAFETY: `_mm_prefetch` needs SSE, part of every x86-64 CPU (the target's baseline), so
    // the target feature it is declared with is always present. The instruction does not
    // dereference the address in the language's sense: it reads nothing into the program,
    // never faults (an unmapped address is ignored), and has no effect on memory.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(address.cast()) }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn prefetch_line(_address: *const u8) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_in_each_line_touched() {
        let offsets = |address, len| line_offsets(address, len).collect::<Vec<_>>();
        assert_eq!(offsets(128, 0), Vec::<isize>::new());
        assert_eq!(offsets(128, 1), [0]);
        assert_eq!(offsets(128, 64), [0]);
        assert_eq!(offsets(128, 65), [0, 64]);
        assert_eq!(offsets(130, 62), [0]);
        assert_eq!(offsets(130, 63), [0, 62]);
        assert_eq!(offsets(190, 200), [0, 2, 66, 130, 194]);
        assert_eq!(offsets(usize::MAX - 3, 10), [0]);
    }

    #[test]
    fn prefetching_leaves_memory_as_it_was() {
        let bytes: Vec<u8> = (0..=255).collect();
        for start in [0, 1, 63, 64, 200] {
            for len in [0, 1, 64, 65] {
                prefetch_bytes(&bytes[start..(start + len).min(bytes.len())]);
            }
        }
        prefetch_value(&bytes);
        prefetch_value(&());
        assert_eq!(bytes, (0..=255).collect::<Vec<u8>>());
    }
}
