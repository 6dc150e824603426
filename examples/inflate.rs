//! The floor for benchmarks: only load the same files, on the same cores, with trailmask's own
//! loading code (`trailmask::testing::load`: the same flate2 backend, the same decoder
//! and the same per-thread buffer reuse), and do nothing with the bytes.
//! `cargo run --release --example inflate -- DIR [THREADS]`

use rayon::prelude::*;
use std::cell::RefCell;
use trailmask::testing::{Buffers, load};

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: inflate DIR [THREADS]");
        std::process::exit(2);
    };
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let mut files: Vec<_> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let total: u64 = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let Ok(file) = std::fs::File::open(path) else {
                    return 0;
                };
                BUFFERS.with_borrow_mut(|bufs| match load(file, u64::MAX, bufs, &mut |_| {}) {
                    Ok((text, _)) => text.len() as u64,
                    Err(_) => 0,
                })
            })
            .sum()
    });
    println!("{} files, {total} bytes inflated", files.len());
}
