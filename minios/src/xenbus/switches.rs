//! Feature switches on the command line: `PREFIX.KEY=N` words (`blk.indirect=0`,
//! `net.queues=1`), which each frontend's `Overrides::parse` reads through [`switches`].

/// One `PREFIX.KEY=N` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch<'a> {
    /// The whole word, for error messages.
    pub word: &'a str,
    /// What follows the prefix, before `=`.
    pub key: &'a str,
    /// The number after `=`.
    pub value: u32,
}

impl Switch<'_> {
    /// The value as a feature switch: 0 is off, 1 is on, anything else is not a switch.
    pub fn on(&self) -> Option<bool> {
        match self.value {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

/// The words of `cmdline` that start with `prefix` (such as `"blk."`), each split into its
/// key and number; `Err(word)` for one that is not `PREFIX.KEY=N`. Other words are skipped.
pub fn switches<'a>(
    cmdline: &'a str,
    prefix: &'a str,
) -> impl Iterator<Item = Result<Switch<'a>, &'a str>> {
    cmdline.split_ascii_whitespace().filter_map(move |word| {
        let kv = word.strip_prefix(prefix)?;
        let parsed = kv
            .split_once('=')
            .and_then(|(key, v)| Some((key, v.parse().ok()?)));
        Some(match parsed {
            Some((key, value)) => Ok(Switch { word, key, value }),
            None => Err(word),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn words_with_the_prefix_are_split_and_others_skipped() {
        let got: Vec<_> = switches("dhcp blk.indirect=0 net.sg=1 blk.queues=2", "blk.").collect();
        assert_eq!(
            got,
            [
                Ok(Switch {
                    word: "blk.indirect=0",
                    key: "indirect",
                    value: 0
                }),
                Ok(Switch {
                    word: "blk.queues=2",
                    key: "queues",
                    value: 2
                }),
            ]
        );
        assert_eq!(got[0].unwrap().on(), Some(false));
        assert_eq!(got[1].unwrap().on(), None);
    }

    #[test]
    fn malformed_words_are_errors() {
        for w in [
            "net.sg",
            "net.sg=",
            "net.sg=on",
            "net.sg=-1",
            "net.sg=99999999999",
        ] {
            assert_eq!(switches(w, "net.").collect::<Vec<_>>(), [Err(w)], "{w}");
        }
    }
}
