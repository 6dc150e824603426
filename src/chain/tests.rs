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
    // The loop is cut at its earliest hop (x, first in output order), which has no parent;
    // y goes on from it (session 27: both named the other, and each reader cut the loop
    // where its own walk met it).
    assert_eq!((chain[0].4.as_str(), chain[1].4.as_str()), ("", "x"));
}

/// A loop of three hops spread over 40 seconds (each within the key tolerance of the next)
/// is cut at its earliest hop, so the chain reads in time order.
#[test]
fn a_loop_across_seconds_is_cut_at_its_earliest_hop() {
    let session = |role: &str| crate::arn::session_of_role(role, "s").unwrap();
    let events = vec![
        // c (10:00:40) is called by B's session (key KB, issued by b), and issues KC.
        hop(
            "c",
            "2020-01-01T10:00:40Z",
            &session(DEPLOY),
            ADMIN,
            "s",
            "KB",
            "KC",
            "2020-01-01T10:00:20Z",
        ),
        // a (10:00:00) is called by Admin's session (key KC, issued by c), and issues KA.
        hop(
            "a",
            "2020-01-01T10:00:00Z",
            &session(ADMIN),
            DEPLOY,
            "s",
            "KC",
            "KA",
            "2020-01-01T10:00:40Z",
        ),
        // b (10:00:20) is called by Deploy's session (key KA, issued by a), and issues KB.
        hop(
            "b",
            "2020-01-01T10:00:20Z",
            &session(DEPLOY),
            DEPLOY,
            "s",
            "KA",
            "KB",
            "2020-01-01T10:00:00Z",
        ),
    ];
    let parents: Vec<(String, String)> = linked(events)
        .into_iter()
        .map(|(id, _, _, _, parent)| (id, parent))
        .collect();
    let pair = |id: &str, parent: &str| (id.to_owned(), parent.to_owned());
    assert_eq!(parents, [pair("a", ""), pair("b", "a"), pair("c", "b")]);
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

/// Review (session 20): two sessions created in the same second with the same key (the
/// documentation's sample key) each link to the hop that created them, by key: the hop names
/// its session, and a call of another session is not its.
#[test]
fn one_key_given_to_two_sessions_links_each_to_its_own_hop() {
    let bob = "arn:aws:iam::1:user/bob";
    let ops = "arn:aws:iam::1:role/Ops";
    let key = "ASIAIOSFODNN7EXAMPLE";
    let created = "2024-03-01T10:00:00Z";
    // Each order of the hops' ids: which one sorts first must not decide.
    for (alice_id, bob_id) in [("a-hop", "b-hop"), ("zz-hop", "b-hop")] {
        let events = vec![
            hop(alice_id, created, ALICE, ADMIN, "alice", "AKIA1", key, ""),
            hop(bob_id, created, bob, ops, "bob-ops", "AKIA2", key, ""),
            hop(
                "alice-use",
                "2024-03-01T10:05:00Z",
                "arn:aws:sts::1:assumed-role/Admin/alice",
                DEPLOY,
                "d1",
                key,
                "K3",
                created,
            ),
            hop(
                "bob-use",
                "2024-03-01T10:06:00Z",
                "arn:aws:sts::1:assumed-role/Ops/bob-ops",
                DEPLOY,
                "d2",
                key,
                "K4",
                created,
            ),
        ];
        let links: Vec<(String, String, String, LinkKind)> = linked(events)
            .into_iter()
            .filter(|(id, ..)| id.ends_with("-use"))
            .map(|(id, _, origin, link, parent)| (id, origin, parent, link))
            .collect();
        assert_eq!(
            links,
            [
                (
                    "alice-use".into(),
                    ALICE.into(),
                    alice_id.into(),
                    LinkKind::AccessKey
                ),
                (
                    "bob-use".into(),
                    bob.into(),
                    bob_id.into(),
                    LinkKind::AccessKey
                ),
            ]
        );
    }
}

/// Review (session 20): one session ARN issued thousands of times in one second, and as many
/// calls of it: each call links to the earliest of the equally near hops (found by binary
/// searches; scanning every hop of the second for each call was quadratic: 20,000 of each
/// took 8 s). The hops give no key (a caller whose key is known links by name only to such
/// a hop).
#[test]
fn a_session_issued_thousands_of_times_in_one_second_links_each_call_to_the_earliest() {
    let second = "2024-03-01T10:00:00Z";
    let mut events: Vec<RoleAssumption> = (0..5_000)
        .map(|n| hop(&format!("h{n:05}"), second, ALICE, ADMIN, "s", "", "", ""))
        .collect();
    events.extend((0..5_000).map(|n| {
        hop(
            &format!("u{n:05}"),
            "2024-03-01T10:00:30Z",
            "arn:aws:sts::1:assumed-role/Admin/s",
            DEPLOY,
            "d",
            &format!("C{n}"),
            "",
            "",
        )
    }));
    let uses = links_of_uses(events);
    assert_eq!(uses.len(), 5_000);
    for (depth, origin, link, parent) in uses {
        assert_eq!(
            (depth, origin.as_str(), link, parent.as_str()),
            (Some(2), ALICE, LinkKind::Inferred, "h00000")
        );
    }
}

/// The depth, origin, link and parent of each event whose id begins with `u` (a use).
fn links_of_uses(events: Vec<RoleAssumption>) -> Vec<(Option<u32>, String, LinkKind, String)> {
    linked(events)
        .into_iter()
        .filter(|(id, ..)| id.starts_with('u'))
        .map(|(_, depth, origin, link, parent)| (depth, origin, link, parent))
        .collect()
}

/// A call whose own time cannot be read still links by its key and its session's creation
/// time (only a session without a creation time needs the call's time).
#[test]
fn a_call_without_a_readable_time_links_by_key_and_creation_time() {
    let events = vec![
        hop(
            "issue",
            "2024-03-01T10:00:00Z",
            ALICE,
            ADMIN,
            "a",
            "AKIA",
            "K1",
            "",
        ),
        hop(
            "use",
            "not a time",
            "arn:aws:sts::1:assumed-role/Admin/a",
            DEPLOY,
            "d",
            "K1",
            "K2",
            "2024-03-01T10:00:00Z",
        ),
    ];
    let chain = linked(events);
    let used = chain.iter().find(|(id, ..)| id == "use").unwrap();
    assert_eq!(
        (used.1, used.3, used.4.as_str()),
        (Some(2), LinkKind::AccessKey, "issue")
    );
}

/// Of hops equally near in whole seconds, on either side of the session's creation, the
/// earliest issued links; a nearer one beats them all, and the call never links to itself.
#[test]
fn the_nearest_hop_links_and_ties_go_to_the_earliest() {
    let session = "arn:aws:sts::1:assumed-role/Admin/a";
    let created = "2024-03-01T10:00:10Z";
    let issue = |id: &str, time: &str| hop(id, time, ALICE, ADMIN, "a", "AKIA", "K1", "");
    let call = |id: &str| {
        hop(
            id,
            "2024-03-01T10:30:00Z",
            session,
            DEPLOY,
            "d",
            "K1",
            "K2",
            created,
        )
    };
    let parent_of = |events: Vec<RoleAssumption>| {
        let chain = linked(events);
        chain.iter().find(|(id, ..)| id == "use").unwrap().4.clone()
    };
    // Five seconds before and five after: the earlier.
    assert_eq!(
        parent_of(vec![
            issue("after", "2024-03-01T10:00:15Z"),
            issue("before", "2024-03-01T10:00:05Z"),
            call("use"),
        ]),
        "before"
    );
    // Two seconds after beats five before; 61 seconds away links to nothing.
    assert_eq!(
        parent_of(vec![
            issue("far", "2024-03-01T10:01:11Z"),
            issue("before", "2024-03-01T10:00:05Z"),
            issue("after", "2024-03-01T10:00:12Z"),
            call("use"),
        ]),
        "after"
    );
    assert_eq!(
        parent_of(vec![issue("far", "2024-03-01T10:01:11Z"), call("use")]),
        ""
    );
}

/// Of hops issued in the same second under one session name, a call made after the shortest
/// sessions ended links to the earliest whose session still lasted (a review's, session 39:
/// the earliest was taken, found gone, and the call left unlinked), whatever the number of
/// such hops; when none lasted, to none.
#[test]
fn of_hops_as_near_the_earliest_whose_session_lasted_links() {
    let second = "2024-03-01T10:00:00Z";
    let lasting = |id: &str, source: &str, seconds: u32| RoleAssumption {
        session_seconds: seconds,
        ..hop(id, second, source, ADMIN, "s", "", "", "")
    };
    let use_at = |id: &str, time: &str| {
        let session = "arn:aws:sts::1:assumed-role/Admin/s";
        hop(id, time, session, DEPLOY, "d", "", "", "")
    };
    let parent_of = |events: Vec<RoleAssumption>| {
        let chain = linked(events);
        let used = chain.iter().find(|(id, ..)| id == "use").unwrap();
        (used.2.clone(), used.4.clone())
    };
    let bob = "arn:aws:iam::1:user/bob";
    let carol = "arn:aws:iam::1:user/carol";
    let two_hours_on = "2024-03-01T12:00:00Z";
    assert_eq!(
        parent_of(vec![
            lasting("h1", ALICE, 900),
            lasting("h2", bob, 43_200),
            lasting("h3", carol, 43_200),
            use_at("use", two_hours_on),
        ]),
        (bob.to_owned(), "h2".to_owned())
    );
    // Ten minutes on, the first still lasted.
    assert_eq!(
        parent_of(vec![
            lasting("h1", ALICE, 900),
            lasting("h2", bob, 43_200),
            use_at("use", "2024-03-01T10:10:00Z"),
        ]),
        (ALICE.to_owned(), "h1".to_owned())
    );
    assert_eq!(
        parent_of(vec![
            lasting("h1", ALICE, 900),
            lasting("h2", bob, 3_600),
            use_at("use", two_hours_on),
        ]),
        (String::new(), String::new())
    );
    // Times with fractions of a second fall in the second they begin: of one second's hops,
    // the earliest that lasted, whatever the fractions of the call's time and theirs.
    let at_fraction = |id: &str, time: &str, source: &str, seconds: u32| RoleAssumption {
        session_seconds: seconds,
        ..hop(id, time, source, ADMIN, "s", "", "", "")
    };
    assert_eq!(
        parent_of(vec![
            at_fraction("h1", "2024-03-01T10:00:00.1Z", bob, 43_200),
            at_fraction("h2", "2024-03-01T10:00:00.8Z", ALICE, 900),
            at_fraction("h3", "2024-03-01T10:00:00.9Z", carol, 43_200),
            use_at("use", "2024-03-01T12:00:00.5Z"),
        ]),
        (bob.to_owned(), "h1".to_owned())
    );
    // Thousands of short ones before it: found by a search, as the earliest is.
    let mut events: Vec<RoleAssumption> = (0..5_000)
        .map(|n| lasting(&format!("h{n:05}"), ALICE, 900))
        .collect();
    events.push(lasting("long", bob, 43_200));
    events.extend((0..5_000).map(|n| use_at(&format!("u{n:05}"), two_hours_on)));
    let uses = links_of_uses(events);
    assert_eq!(uses.len(), 5_000);
    assert!(
        uses.iter()
            .all(|(_, origin, _, parent)| (origin.as_str(), parent.as_str()) == (bob, "long"))
    );
}
