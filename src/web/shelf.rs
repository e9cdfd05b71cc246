//! The worker's models of this session's runs, by run name, at most [`Shelf::CAPACITY`] of
//! them: a WebAssembly memory only grows, so what is kept must be bounded. The least recently
//! used model goes first; the page is told which, so it stops offering its images and weights.

/// Named values, least recently used first.
#[derive(Debug)]
pub struct Shelf<T> {
    items: Vec<(String, T)>,
    capacity: usize,
}

impl<T> Default for Shelf<T> {
    fn default() -> Self {
        Self::with_capacity(Self::CAPACITY)
    }
}

impl<T> Shelf<T> {
    /// Each kept model costs about 7 MB (weights, the evaluation's outputs, the validation
    /// images' positions): eight is plenty to compare runs and bounded.
    pub const CAPACITY: usize = 8;

    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            items: Vec::new(),
            capacity: capacity.max(1),
        }
    }

    /// Keeps `value` under `name` (replacing one of that name) and returns the names of the
    /// values it pushed out.
    pub fn put(&mut self, name: String, value: T) -> Vec<String> {
        self.remove(&name);
        self.items.push((name, value));
        let over = self.items.len().saturating_sub(self.capacity);
        self.items.drain(..over).map(|(name, _)| name).collect()
    }

    /// The value, now the most recently used.
    pub fn get(&mut self, name: &str) -> Option<&T> {
        let index = self.items.iter().position(|(n, _)| n == name)?;
        let item = self.items.remove(index);
        self.items.push(item);
        self.items.last().map(|(_, value)| value)
    }

    pub fn remove(&mut self, name: &str) -> Option<T> {
        let index = self.items.iter().position(|(n, _)| n == name)?;
        Some(self.items.remove(index).1)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_goes_first() {
        let mut shelf = Shelf::with_capacity(2);
        assert!(shelf.put("a".into(), 1).is_empty());
        assert!(shelf.put("b".into(), 2).is_empty());
        assert_eq!(shelf.get("a"), Some(&1));
        assert_eq!(shelf.put("c".into(), 3), ["b"]);
        assert_eq!(shelf.get("b"), None);
        assert_eq!(shelf.get("a"), Some(&1));
        assert_eq!(shelf.get("c"), Some(&3));
        assert_eq!(shelf.remove("a"), Some(1));
        assert_eq!(shelf.len(), 1);
    }

    /// Twenty runs in a row keep no more than the capacity: memory stays flat after it fills.
    #[test]
    fn many_runs_keep_at_most_the_capacity() {
        let mut shelf = Shelf::default();
        let mut dropped = Vec::new();
        for run in 0..20 {
            dropped.extend(shelf.put(format!("plain #{run}"), vec![0u8; 16]));
            assert!(shelf.len() <= Shelf::<Vec<u8>>::CAPACITY);
        }
        assert_eq!(dropped.len(), 20 - Shelf::<Vec<u8>>::CAPACITY);
        assert_eq!(dropped[0], "plain #0");
        // Putting a name again replaces it, pushing nothing out.
        assert!(shelf.put("plain #19".into(), vec![1]).is_empty());
    }
}
