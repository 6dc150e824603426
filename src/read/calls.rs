//! Reading the calls of role sessions (`activity`) with each distinct `userIdentity` read once
//! per file.
//!
//! A session's calls repeat its `userIdentity` word for word (type, ARN, access key, session
//! context), and it is the largest part of a call that `activity` reads: read field by field
//! it was a third of the reading. So a call is read as a [`CallHead`], which keeps the
//! `userIdentity` object as its text, and that text is looked up among the ones this file
//! has already given: only a text not met before is read ([`read_caller`]), and what it says
//! (the [`Caller`], or that it is not a role session) is kept with the session the calls
//! were counted in, so a call of a known session is counted without looking its key up.
//!
//! The answers are those of reading the whole record as a [`CallRecord`] (the same hand
//! reader reads the same text, only apart); where the hand reader leaves a record to serde
//! (an escape in a field read, a key given twice, malformed JSON in what it reads), this one
//! answers [`CallRead::Whole`] and the caller reads the record whole, as before.
//!
//! [`CallRecord`]: super::records::CallRecord
//! [`CallHead`]: super::records::CallHead

use super::records::{read_call_head, read_caller};
use crate::activity::{Call, Caller, PrincipalCopy};
use crate::json::Repeats;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::ops::Range;

/// What reading one record as a call gave.
pub(crate) enum CallRead {
    /// Read (counted, or not a call of a role session); `repeats` when a key was given twice
    /// in what was read (the record is kept, and the repeat reported).
    Read { repeats: bool },
    /// Not read here: the caller reads the whole record (serde words its errors).
    Whole,
}

/// The calls of one file, with each `userIdentity` text met so far and what it said.
pub(crate) struct CallReader<'t> {
    identities: HashTable<Identity<'t>>,
    /// Texts from the logs: seeded at random (no order of them is ever output).
    hasher: foldhash::fast::RandomState,
}

/// One `userIdentity` text and what it says.
struct Identity<'t> {
    text: &'t str,
    /// Where the [`Caller`]'s fields lie in `text`, or `None` when it is not a role session.
    caller: Option<CallerSpans>,
    /// A key of it was given twice.
    repeats: bool,
    /// The session its calls were counted in, once one was (an index in the file's
    /// activity).
    session: Option<u32>,
}

impl<'t> CallReader<'t> {
    pub(crate) fn new() -> Self {
        CallReader {
            identities: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// Reads `text` as a call; `count` counts it, given the session its `userIdentity` was
    /// counted in before (if any), and answers the session it counted it in (`None` when it
    /// did not count it: a call outside the window).
    pub(crate) fn read(
        &mut self,
        text: &'t str,
        count: impl FnOnce(&Call<'_>, Option<u32>) -> Option<u32>,
    ) -> CallRead {
        let Some(head) = read_call_head(text) else {
            return CallRead::Whole;
        };
        let Some(identity_text) = head.user_identity.0 else {
            // No `userIdentity` object: not a role session's call.
            return CallRead::Read {
                repeats: head.repeats(),
            };
        };
        let Some(identity) = self.identity(identity_text) else {
            return CallRead::Whole;
        };
        let repeats = head.repeats() || identity.repeats;
        if let Some(spans) = &identity.caller {
            let caller = spans.caller(identity.text);
            if let Some(call) = Call::of_head(&head, caller)
                && let Some(session) = count(&call, identity.session)
            {
                identity.session = Some(session);
            }
        }
        CallRead::Read { repeats }
    }

    /// The entry of `text`, read now when it was not met before; `None` when the hand reader
    /// leaves it to serde.
    fn identity(&mut self, text: &'t str) -> Option<&mut Identity<'t>> {
        let CallReader { identities, hasher } = self;
        let hash = hasher.hash_one(text);
        let entry = match identities.entry(
            hash,
            |known| known.text == text,
            |known| hasher.hash_one(known.text),
        ) {
            hashbrown::hash_table::Entry::Occupied(known) => return Some(known.into_mut()),
            hashbrown::hash_table::Entry::Vacant(entry) => entry,
        };
        let read = read_caller(text)?;
        let caller = match Caller::of_identity(&read) {
            Some(caller) => Some(CallerSpans::of(text, &caller)?),
            None => None,
        };
        let identity = Identity {
            text,
            caller,
            repeats: read.repeats(),
            session: None,
        };
        Some(entry.insert(identity).into_mut())
    }
}

/// Where a [`Caller`]'s fields lie in its `userIdentity` text.
enum CallerSpans {
    /// A role session's own call: its ARN, access key, creation time and issuer.
    Session([Range<usize>; 4]),
    /// Another account's copy: the caller's account and principal id.
    Copy([Range<usize>; 2]),
}

impl CallerSpans {
    /// The spans of `caller`'s fields (borrowed from `text`); `None` when one is not in it.
    fn of(text: &str, caller: &Caller) -> Option<Self> {
        Some(match caller.copy_of {
            None => CallerSpans::Session([
                span_in(text, caller.session_arn)?,
                span_in(text, caller.access_key)?,
                span_in(text, caller.created)?,
                span_in(text, caller.issuer_arn)?,
            ]),
            Some(copy) => {
                CallerSpans::Copy([span_in(text, copy.account)?, span_in(text, copy.principal)?])
            }
        })
    }

    /// The caller these spans of `text` name.
    fn caller<'t>(&self, text: &'t str) -> Caller<'t> {
        match self {
            CallerSpans::Session([arn, key, created, issuer]) => Caller {
                session_arn: &text[arn.clone()],
                access_key: &text[key.clone()],
                created: &text[created.clone()],
                issuer_arn: &text[issuer.clone()],
                copy_of: None,
            },
            CallerSpans::Copy([account, principal]) => Caller {
                session_arn: "",
                access_key: "",
                created: "",
                issuer_arn: "",
                copy_of: Some(PrincipalCopy {
                    account: &text[account.clone()],
                    principal: &text[principal.clone()],
                }),
            },
        }
    }
}

/// Where `part` (a field the hand reader borrowed from `whole`) lies in `whole`; an empty
/// part (a field not given) anywhere.
fn span_in(whole: &str, part: &str) -> Option<Range<usize>> {
    if part.is_empty() {
        return Some(0..0);
    }
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start + part.len();
    (end <= whole.len()).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call of `identity` (a `userIdentity` object's text) named `name`, with id `id`.
    fn call(identity: &str, name: &str, id: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{identity},"eventTime":"2024-03-01T10:00:00Z",
            "eventSource":"s3.amazonaws.com","eventName":"{name}","sourceIPAddress":"10.0.0.1",
            "requestParameters":{{"bucketName":"b","x":[1,{{"y":null}}]}},"eventID":"{id}",
            "readOnly":true,"recipientAccountId":"111122223333"}}"#
        )
    }

    const SESSION: &str = r#"{"type":"AssumedRole","principalId":"AROA:me",
        "arn":"arn:aws:sts::111122223333:assumed-role/A/me","accessKeyId":"ASIA1",
        "sessionContext":{"attributes":{"creationDate":"2024-03-01T09:00:00Z"},
        "sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/A"}}}"#;

    /// What reading `texts` in turn counted: each call's event name, session ARN, access key,
    /// creation time and issuer, and the session it was told it was counted in before.
    fn counted(texts: &[String]) -> Vec<(String, [String; 4], Option<u32>)> {
        let mut reader = CallReader::new();
        let mut counted = Vec::new();
        for (n, text) in texts.iter().enumerate() {
            let read = reader.read(text, |call, known| {
                let fields = [
                    call.session_arn,
                    call.access_key,
                    call.created,
                    call.issuer_arn,
                ];
                counted.push((call.event_name.to_owned(), fields.map(str::to_owned), known));
                Some(n as u32)
            });
            assert!(matches!(read, CallRead::Read { repeats: false }), "{text}");
        }
        counted
    }

    #[test]
    fn an_identity_met_again_gives_its_session() {
        let texts = [
            call(SESSION, "GetObject", "e1"),
            call(SESSION, "PutObject", "e2"),
            call(&SESSION.replace("ASIA1", "ASIA2"), "ListBuckets", "e3"),
            call(SESSION, "GetObject", "e4"),
        ];
        let fields = |key: &str| {
            [
                "arn:aws:sts::111122223333:assumed-role/A/me",
                key,
                "2024-03-01T09:00:00Z",
                "arn:aws:iam::111122223333:role/A",
            ]
            .map(str::to_owned)
        };
        assert_eq!(
            counted(&texts),
            [
                ("GetObject".to_owned(), fields("ASIA1"), None),
                ("PutObject".to_owned(), fields("ASIA1"), Some(0)),
                ("ListBuckets".to_owned(), fields("ASIA2"), None),
                ("GetObject".to_owned(), fields("ASIA1"), Some(1)),
            ]
        );
        for text in &texts {
            assert!(crate::testing::call_reader_agrees(text), "{text}");
        }
    }

    #[test]
    fn other_callers_and_the_console_switch_are_read_not_counted() {
        let user = r#"{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}"#;
        for text in [
            call(user, "GetObject", "e1"),
            call(SESSION, "SwitchRole", "e2").replace("s3.amazonaws.com", "signin.amazonaws.com"),
            call(r#""a string""#, "GetObject", "e3"),
            call(
                &SESSION.replace("\"AssumedRole\"", "null"),
                "GetObject",
                "e4",
            ),
        ] {
            let mut reader = CallReader::new();
            let read = reader.read(&text, |_, _| panic!("counted: {text}"));
            assert!(matches!(read, CallRead::Read { repeats: false }), "{text}");
            assert!(crate::testing::call_reader_agrees(&text), "{text}");
        }
        // Only the sign-in record named `SwitchRole` is the hop: one from another service is
        // a call like any other.
        let other_source = call(SESSION, "SwitchRole", "e5");
        let mut reader = CallReader::new();
        let mut names = Vec::new();
        reader.read(&other_source, |call, _| {
            names.push(call.event_name.to_owned());
            Some(0)
        });
        assert_eq!(names, ["SwitchRole"]);
    }

    /// What the hand reader leaves to serde, in the identity or around it, is left whole: an
    /// escape in a field read, a key read given twice, a literal where text was expected
    /// (its text is not in the record), malformed JSON.
    #[test]
    fn what_the_hand_reader_leaves_is_read_whole() {
        for text in [
            call(&SESSION.replace("/A/me", r"/A/m\u0065"), "GetObject", "e1"),
            call(
                &SESSION.replace(r#""accessKeyId""#, r#""arn":"x","accessKeyId""#),
                "Get",
                "e2",
            ),
            call(&SESSION.replace(r#""ASIA1""#, "true"), "GetObject", "e3"),
            call(SESSION, r"Get\u004fbject", "e4"),
            call(SESSION, "GetObject", "e5").replace("\"eventID\"", "\"eventID\":1,\"eventID\""),
            call(SESSION, "GetObject", "e6") + ",",
        ] {
            let mut reader = CallReader::new();
            let read = reader.read(&text, |_, _| panic!("counted: {text}"));
            assert!(matches!(read, CallRead::Whole), "{text}");
            assert!(crate::testing::call_reader_agrees(&text), "{text}");
        }
    }

    #[test]
    fn a_call_not_counted_leaves_no_session_to_remember() {
        let text = call(SESSION, "GetObject", "e1");
        let mut reader = CallReader::new();
        reader.read(&text, |_, known| {
            assert_eq!(known, None);
            None
        });
        reader.read(&text, |_, known| {
            assert_eq!(known, None);
            Some(3)
        });
        reader.read(&text, |_, known| {
            assert_eq!(known, Some(3));
            Some(3)
        });
    }
}
