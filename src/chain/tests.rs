//! Chain reconstruction: key links, reused keys, missing first hops, inferred links.

use super::*;
use crate::event::Texts;
use crate::timefmt;

fn at(time: &str) -> Option<DateTime<Utc>> {
    timefmt::parse(time)
}

/// A successful AssumeRole by `source` (a user ARN or a session ARN).
#[allow(clippy::too_many_arguments)]
fn hop(
    id: &str,
    time: &str,
    source: &str,
    role: &str,
    session: &str,
    caller_key: &str,
    issued: &str,
    created: &str,
) -> RoleAssumption {
    let session_caller = source.contains(":assumed-role/");
    let session_arn = crate::arn::session_of_role(role, session).unwrap_or_default();
    let caller_role_arn = if session_caller {
        crate::arn::role_of_session(source).unwrap_or_default()
    } else {
        String::new()
    };
    RoleAssumption {
        event_time: at(time),
        source_kind: if session_caller {
            SourceKind::AssumedRole
        } else {
            SourceKind::IamUser
        },
        caller_session_created: at(created),
        ..RoleAssumption::with_texts(&Texts {
            event_id: id,
            source,
            source_account: crate::arn::account_of(source).unwrap_or(""),
            role_arn: role,
            role_account: crate::arn::account_of(role).unwrap_or(""),
            session_name: session,
            session_arn: &session_arn,
            caller_access_key: caller_key,
            issued_access_key: issued,
            caller_role_arn: &caller_role_arn,
            ..Texts::default()
        })
    }
}

const ALICE: &str = "arn:aws:iam::1:user/alice";
const ADMIN: &str = "arn:aws:iam::1:role/Admin";
const DEPLOY: &str = "arn:aws:iam::2:role/Deploy";
const READ: &str = "arn:aws:iam::3:role/Read";

fn linked(events: Vec<RoleAssumption>) -> Vec<(String, Option<u32>, String, LinkKind, String)> {
    let mut events: Vec<Box<RoleAssumption>> = events.into_iter().map(Box::new).collect();
    events.sort_by(|a, b| crate::dedupe::output_order(a, b));
    link_chains(&mut events);
    events
        .into_iter()
        .map(|e| {
            (
                e.event_id().to_owned(),
                e.chain().depth,
                e.chain().origin.to_string(),
                e.chain().link,
                e.chain().parent_event_id.clone(),
            )
        })
        .collect()
}

#[test]
fn links_a_three_hop_chain_by_access_key_whatever_the_input_order() {
    let events = vec![
        hop(
            "c",
            "2020-01-01T10:10:00Z",
            "arn:aws:sts::2:assumed-role/Deploy/d",
            READ,
            "r",
            "K2",
            "K3",
            "2020-01-01T10:05:00Z",
        ),
        hop(
            "a",
            "2020-01-01T10:00:00Z",
            ALICE,
            ADMIN,
            "a",
            "AKIA",
            "K1",
            "",
        ),
        hop(
            "b",
            "2020-01-01T10:05:00Z",
            "arn:aws:sts::1:assumed-role/Admin/a",
            DEPLOY,
            "d",
            "K1",
            "K2",
            "2020-01-01T10:00:00Z",
        ),
    ];
    let want = vec![
        (
            "a".to_string(),
            Some(1),
            ALICE.to_string(),
            LinkKind::None,
            String::new(),
        ),
        (
            "b".into(),
            Some(2),
            ALICE.into(),
            LinkKind::AccessKey,
            "a".into(),
        ),
        (
            "c".into(),
            Some(3),
            ALICE.into(),
            LinkKind::AccessKey,
            "b".into(),
        ),
    ];
    assert_eq!(linked(events.clone()), want);
    let mut reversed = events;
    reversed.reverse();
    assert_eq!(linked(reversed), want);
}

#[test]
fn a_reused_key_links_to_the_issue_at_the_sessions_creation_time() {
    let bob = "arn:aws:iam::1:user/bob";
    let events = vec![
        hop(
            "old",
            "2020-01-01T08:00:00Z",
            bob,
            ADMIN,
            "a",
            "AKIB",
            "K1",
            "",
        ),
        hop(
            "new",
            "2020-01-02T10:00:00Z",
            ALICE,
            ADMIN,
            "a",
            "AKIA",
            "K1",
            "",
        ),
        hop(
            "use",
            "2020-01-02T10:05:00Z",
            "arn:aws:sts::1:assumed-role/Admin/a",
            DEPLOY,
            "d",
            "K1",
            "K2",
            "2020-01-02T10:00:00Z",
        ),
    ];
    let chain = linked(events);
    assert_eq!(
        chain[2],
        (
            "use".into(),
            Some(2),
            ALICE.into(),
            LinkKind::AccessKey,
            "new".into()
        )
    );
}

#[test]
fn a_missing_first_hop_leaves_depth_unknown() {
    let events = vec![hop(
        "b",
        "2020-01-01T10:05:00Z",
        "arn:aws:sts::1:assumed-role/Admin/a",
        DEPLOY,
        "d",
        "K1",
        "K2",
        "2020-01-01T10:00:00Z",
    )];
    assert_eq!(
        linked(events),
        vec![(
            "b".into(),
            None,
            String::new(),
            LinkKind::None,
            String::new()
        )]
    );
}

#[test]
fn without_a_key_the_session_arn_links_and_is_marked_inferred() {
    let events = vec![
        hop(
            "a",
            "2020-01-01T10:00:00Z",
            ALICE,
            ADMIN,
            "a",
            "AKIA",
            "",
            "",
        ),
        hop(
            "b",
            "2020-01-01T10:05:00Z",
            "arn:aws:sts::1:assumed-role/Admin/a",
            DEPLOY,
            "d",
            "",
            "K2",
            "2020-01-01T10:00:00Z",
        ),
    ];
    assert_eq!(
        linked(events)[1],
        (
            "b".into(),
            Some(2),
            ALICE.into(),
            LinkKind::Inferred,
            "a".into()
        )
    );
}

#[test]
fn a_session_arn_far_from_the_creation_time_does_not_link() {
    let events = vec![
        hop(
            "a",
            "2020-01-01T10:00:00Z",
            ALICE,
            ADMIN,
            "a",
            "AKIA",
            "",
            "",
        ),
        hop(
            "b",
            "2020-01-03T10:05:00Z",
            "arn:aws:sts::1:assumed-role/Admin/a",
            DEPLOY,
            "d",
            "",
            "K2",
            "2020-01-03T10:00:00Z",
        ),
    ];
    assert_eq!(linked(events)[1].1, None);
}

#[test]
fn same_second_cycles_do_not_hang() {
    let s1 = "arn:aws:sts::1:assumed-role/Admin/a";
    let s2 = "arn:aws:sts::2:assumed-role/Deploy/d";
    let events = vec![
        hop(
            "x",
            "2020-01-01T10:00:00Z",
            s2,
            ADMIN,
            "a",
            "K2",
            "K1",
            "2020-01-01T10:00:00Z",
        ),
        hop(
            "y",
            "2020-01-01T10:00:00Z",
            s1,
            DEPLOY,
            "d",
            "K1",
            "K2",
            "2020-01-01T10:00:00Z",
        ),
    ];
    let chain = linked(events);
    assert_eq!((chain[0].1, chain[1].1), (None, None));
}

#[test]
fn a_session_name_reused_all_month_links_each_use_to_its_own_issue() {
    // A CI job assumes Admin as "ci" every hour for 30 days, and each session then assumes
    // Deploy ten minutes later (no creationDate: links are inferred from the session ARN).
    let ci = "arn:aws:sts::1:assumed-role/Admin/ci";
    let start = at("2026-01-01T00:00:00Z").unwrap();
    let stamp = |minutes: i64| {
        (start + chrono::TimeDelta::minutes(minutes))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let mut events = Vec::new();
    for hour in 0..720 {
        let issue = format!("issue-{hour:03}");
        events.push(hop(
            &issue,
            &stamp(hour * 60),
            ALICE,
            ADMIN,
            "ci",
            "",
            "",
            "",
        ));
        let call = format!("use-{hour:03}");
        events.push(hop(
            &call,
            &stamp(hour * 60 + 10),
            ci,
            DEPLOY,
            "d",
            "",
            "",
            "",
        ));
    }
    let links: Vec<(String, String, LinkKind)> = linked(events)
        .into_iter()
        .filter(|(id, ..)| id.starts_with("use-"))
        .map(|(id, _, _, link, parent)| (id, parent, link))
        .collect();
    assert_eq!(links.len(), 720);
    for (id, parent, link) in links {
        assert_eq!(parent, id.replace("use-", "issue-"));
        assert_eq!(link, LinkKind::Inferred);
    }
}
