//! A small, dependency-free parallel map over slices (scoped threads, order kept).

/// Below this many items the work is done on the calling thread.
const MIN_PARALLEL: usize = 64;

/// Maps `f` over `items` on up to one thread per core, keeping the order. Small inputs
/// (fewer than `min` items) run on the calling thread.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], min: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if items.len() < min.max(2) || threads < 2 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// [`map`] with the default threshold for per-key work.
pub(crate) fn map_keys<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map(items, MIN_PARALLEL, f)
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let v: Vec<usize> = (0..1000).collect();
        assert_eq!(
            super::map(&v, 1, |x| x * 2),
            v.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&v[..1], 1, |x| x + 1), vec![1]);
        assert!(super::map(&[] as &[usize], 1, |x| *x).is_empty());
    }
}
