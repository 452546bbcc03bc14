//! "Did you mean" suggestions by edit distance, as `just` and `cargo` give them.

/// The candidate closest to `name`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a, I, S>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str> + 'a,
{
    let limit = (name.chars().count() / 3).max(1) + usize::from(name.len() > 8);
    candidates
        .into_iter()
        .map(|c| {
            let c = c.as_ref().to_string();
            (levenshtein(name, &c), c)
        })
        .filter(|(d, c)| *d <= limit && *d < c.chars().count())
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)))
        .map(|(_, c)| c)
}

/// A "did you mean `x`?" hint, or `None`.
pub fn hint<'a, I, S>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str> + 'a,
{
    did_you_mean(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Edit distance counting insertions, deletions, substitutions and adjacent swaps.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(levenshtein("prase", "parse"), 1);
        assert_eq!(
            did_you_mean("json.prase", ["json.parse", "json.stringify"]).as_deref(),
            Some("json.parse")
        );
        assert_eq!(
            did_you_mean("evnt", ["event", "ack"]).as_deref(),
            Some("event")
        );
        assert_eq!(did_you_mean("zzz", ["event", "ack"]), None);
        assert_eq!(did_you_mean("x", ["y"]), None);
    }
}
