//! The floor for benchmarks: only inflate the same files, on the same cores, with the same
//! flate2 backend and the same per-worker buffer reuse as trailmask, and do nothing with the
//! bytes. `cargo run --release --example inflate -- DIR [THREADS]`

use rayon::prelude::*;
use std::io::Read;

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
            .map_init(
                || (Vec::new(), Vec::new()),
                |(raw, plain): &mut (Vec<u8>, Vec<u8>), path| {
                    raw.clear();
                    plain.clear();
                    let Ok(mut file) = std::fs::File::open(path) else {
                        return 0;
                    };
                    if file.read_to_end(raw).is_err() {
                        return 0;
                    }
                    let _ = flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(plain);
                    plain.len() as u64
                },
            )
            .sum()
    });
    println!("{} files, {total} bytes inflated", files.len());
}
