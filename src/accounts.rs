//! Account names: the `--accounts FILE` mapping (CSV `id,name`), used by every output to name
//! accounts and, in the graph, to tell the user's own accounts from outside ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Account id → name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountNames {
    names: BTreeMap<String, String>,
    /// False when no mapping was given: then no account counts as outside.
    pub given: bool,
}

/// A problem with the accounts file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot read the accounts file: {message}")]
pub struct AccountsError {
    pub path: PathBuf,
    pub message: String,
}

/// Why an `--account` value names no account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// Neither an account id nor a name from the file.
    Unknown,
    /// A name the file gives to this many accounts.
    Ambiguous(usize),
    /// Digits, but not the 12 of an account id: a digit dropped or added, or a sanitised
    /// sample's id (`123456789`); the plan matches them as written and says so.
    NotTwelveDigits,
}

impl AccountNames {
    /// Reads a CSV of `id,name` rows; a first row `id,name` (any case) is a header.
    ///
    /// # Errors
    /// The file cannot be read, a row's id is not an account id (12 digits: a file of
    /// `name,id` rows, or of another separator, would otherwise mark every account as outside
    /// the file), or an id is listed twice under two names.
    pub fn load(path: &Path) -> Result<AccountNames, AccountsError> {
        let err = |message: String| AccountsError {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_slice());
        // The line a record starts on, counted in the text as the records come (in order, so
        // each byte is counted once): the reader's position is where it began to look for
        // the record, before the comment and blank lines it passed over.
        let (mut counted_to, mut lines_before) = (0usize, 0u64);
        let mut line_at = |byte: u64| {
            let mut at = (byte as usize).clamp(counted_to, text.len());
            while matches!(text.get(at), Some(b'#' | b'\n' | b'\r')) {
                at = match memchr::memchr2(b'\n', b'\r', &text[at..]) {
                    None => text.len(),
                    Some(end) if text[at + end..].starts_with(b"\r\n") => at + end + 2,
                    Some(end) => at + end + 1,
                };
            }
            // A line ends at `\n`, `\r\n`, or a `\r` alone (as the reader reads them).
            lines_before += memchr::memchr2_iter(b'\n', b'\r', &text[counted_to..at])
                .filter(|&end| {
                    text[counted_to + end] == b'\n'
                        || text.get(counted_to + end + 1) != Some(&b'\n')
                })
                .count() as u64;
            counted_to = at;
            1 + lines_before
        };
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        // The line each id was listed on, to name both lines of an id listed twice.
        let mut lines: BTreeMap<String, u64> = BTreeMap::new();
        for (index, row) in rdr.records().enumerate() {
            let row = row.map_err(|e| err(e.to_string()))?;
            let line = row
                .position()
                .map_or(index as u64 + 1, |at| line_at(at.byte()));
            let id = row.get(0).unwrap_or("");
            let name = row.get(1).unwrap_or("");
            if (index == 0 && id.eq_ignore_ascii_case("id")) || row.iter().all(str::is_empty) {
                // The header, or a line of spaces.
                continue;
            }
            if id.is_empty() {
                return Err(err(format!("line {line} has no account id")));
            }
            if !is_account_id(id) {
                return Err(err(format!(
                    "line {line}: '{}' is not an account id (12 digits; each line is `id,name`)",
                    crate::export::table::printable(id)
                )));
            }
            if let Some(known) = names.get(id).filter(|known| **known != name) {
                return Err(err(format!(
                    "line {line}: account {id} is listed twice, as '{}' (line {}) and '{}'",
                    crate::export::table::printable(known),
                    lines[id],
                    crate::export::table::printable(name)
                )));
            }
            lines.entry(id.to_owned()).or_insert(line);
            names.insert(id.to_owned(), name.to_owned());
        }
        Ok(AccountNames { names, given: true })
    }

    /// The account's name, when mapped.
    pub fn name(&self, id: &str) -> Option<&str> {
        self.names.get(id).map(String::as_str)
    }

    /// `id (name)` when mapped, else `id`.
    pub fn label(&self, id: &str) -> String {
        match self.name(id) {
            Some(name) if !name.is_empty() => format!("{id} ({name})"),
            _ => id.to_owned(),
        }
    }

    /// The id of `account` given as a name from the file (any case), or `account` itself when
    /// it is an id (12 digits): so `--account prod` means prod's id. An id is never taken for
    /// a name; digits of another length may be a name (`4711`).
    ///
    /// # Errors
    /// `account` is neither an id nor a name from the file, names several accounts (a filter
    /// that would keep nothing, said rather than run), or is digits but not twelve and no
    /// account's name.
    pub fn resolve(&self, account: &str) -> Result<String, Unresolved> {
        if self.names.contains_key(account) {
            return Ok(account.to_owned());
        }
        if is_account_id(account) {
            return Ok(account.to_owned());
        }
        let named: Vec<&String> = self
            .names
            .iter()
            .filter(|(_, name)| !name.is_empty() && name.eq_ignore_ascii_case(account))
            .map(|(id, _)| id)
            .collect();
        match named[..] {
            [id] => Ok(id.clone()),
            // Digits, but not twelve, and no account's name: a digit dropped or added.
            [] if !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) => {
                Err(Unresolved::NotTwelveDigits)
            }
            [] => Err(Unresolved::Unknown),
            _ => Err(Unresolved::Ambiguous(named.len())),
        }
    }

    /// Every account named, by id.
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names
            .iter()
            .map(|(id, name)| (id.as_str(), name.as_str()))
    }

    /// True when a mapping was given and `id` is not in it.
    pub fn is_outside(&self, id: &str) -> bool {
        self.given && !id.is_empty() && !self.names.contains_key(id)
    }
}

/// True for an AWS account id: 12 digits.
fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_resolves_to_its_id_once_and_only_when_unambiguous() {
        let names = AccountNames {
            names: BTreeMap::from([
                ("111111111111".to_owned(), "prod".to_owned()),
                ("222222222222".to_owned(), "dev".to_owned()),
                ("333333333333".to_owned(), "dev".to_owned()),
                ("444444444444".to_owned(), "111111111111".to_owned()),
                ("555555555555".to_owned(), "4711".to_owned()),
            ]),
            given: true,
        };
        assert_eq!(names.resolve("Prod"), Ok("111111111111".to_owned()));
        // Two accounts named dev: which one is not for trailmask to guess.
        assert_eq!(names.resolve("dev"), Err(Unresolved::Ambiguous(2)));
        // An id stays an id, even where another account is named like it.
        assert_eq!(names.resolve("111111111111"), Ok("111111111111".to_owned()));
        assert_eq!(names.resolve("999999999999"), Ok("999999999999".to_owned()));
        // A name mistyped, or a name without a file: no account.
        assert_eq!(names.resolve("prdo"), Err(Unresolved::Unknown));
        assert_eq!(
            AccountNames::default().resolve("prod"),
            Err(Unresolved::Unknown)
        );
        assert_eq!(names.resolve(""), Err(Unresolved::Unknown));
        // Digits, one short: a typo, not an account that made no call.
        assert_eq!(
            names.resolve("11111111111"),
            Err(Unresolved::NotTwelveDigits)
        );
        // Unless the file names an account so.
        assert_eq!(names.resolve("4711"), Ok("555555555555".to_owned()));
    }

    /// A file of every shape a spreadsheet or a hand writes: the lines an error names are the
    /// file's own, whatever the comments, blank lines, spaces and line endings before them.
    #[test]
    fn lines_are_counted_as_the_file_has_them() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| {
            let path = dir.path().join("accounts.csv");
            std::fs::write(&path, text).unwrap();
            AccountNames::load(&path).map_err(|e| e.message)
        };
        let good = load(
            "\u{feff}id,name\r\n# ours\r\n\r\n   \r\n111111111111, prod \r\n\"222222222222\",\"dev, eu\"\r\n",
        );
        assert_eq!(
            good.map(|names| names
                .names()
                .map(|(id, name)| format!("{id}={name}"))
                .collect::<Vec<_>>()),
            Ok(vec![
                "111111111111=prod".to_owned(),
                "222222222222=dev, eu".to_owned()
            ])
        );
        assert_eq!(
            load(
                "id,name\r\n# ours\r\n\r\n111111111111,prod\r\n\"x\ny\",z\r\n# more\r\n1234,w\r\n"
            ),
            Err(
                "line 5: 'x\\ny' is not an account id (12 digits; each line is `id,name`)"
                    .to_owned()
            )
        );
        assert_eq!(
            load("111111111111,a\r\r22,b\r"),
            Err("line 3: '22' is not an account id (12 digits; each line is `id,name`)".to_owned())
        );
        // A header alone: no account of ours, and no error.
        assert_eq!(
            load("id,name\n"),
            Ok(AccountNames {
                names: BTreeMap::new(),
                given: true
            })
        );
    }
}
