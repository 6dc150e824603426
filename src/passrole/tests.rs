use super::*;
use serde_json::json;

fn strings(value: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    strings_at(value, path, &mut out);
    out.into_iter().map(str::to_owned).collect()
}

#[test]
fn paths_read_arrays_single_objects_and_wrapped_lists() {
    let record = json!({
        "requestParameters": {
            "targets": [{"roleArn": "a"}, {"arn": "x"}, {"roleArn": " b "}],
            "one": {"roleArn": "c"},
            "Wrapped": [{"tag": 1, "content": {"Arn": "d"}}, {"tag": 2, "content": {"Arn": "e"}}],
            "empty": "",
            "number": 7
        },
        "responseElements": {"instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]}}
    });
    assert_eq!(strings(&record, "rp.targets[].roleArn"), ["a", "b"]);
    assert_eq!(strings(&record, "rp.one[].roleArn"), ["c"]);
    assert_eq!(strings(&record, "rp.Wrapped[].Arn"), ["d", "e"]);
    assert!(strings(&record, "rp.empty").is_empty());
    assert!(strings(&record, "rp.number").is_empty());
    assert!(strings(&record, "rp.missing.x").is_empty());
    assert_eq!(
        strings(&record, "re.instancesSet.items[].instanceId"),
        ["i-1", "i-2"]
    );
    assert!(strings(&record, "xx.targets").is_empty());
}

#[test]
fn a_role_named_by_arn_or_by_name() {
    let role = "arn:aws:iam::1:role/path/Admin";
    assert!(same_role("arn:aws:iam::1:role/path/Admin", role));
    assert!(same_role("admin", role));
    assert!(same_role("path/Admin", role));
    assert!(!same_role("arn:aws:iam::2:role/Admin", role));
    assert!(!same_role("Admins", role));
}

fn parsed(text: &str) -> (Record<'_>, Value) {
    (
        serde_json::from_str(text).unwrap(),
        serde_json::from_str(text).unwrap(),
    )
}

#[test]
fn profile_changes_are_read_from_successful_iam_calls() {
    let text = r#"{"eventSource":"iam.amazonaws.com","eventName":"AddRoleToInstanceProfile",
        "eventTime":"2026-01-01T00:00:00Z","recipientAccountId":"111122223333","eventID":"p1",
        "requestParameters":{"instanceProfileName":"Web-Profile","roleName":"WebServer"}}"#;
    let (record, value) = parsed(text);
    let Some(Found::Profile(change)) = read(&record, &value, &Arc::from("f")) else {
        panic!("no profile change");
    };
    assert_eq!(change.profile, "web-profile");
    assert_eq!(change.account, "111122223333");
    assert_eq!(change.edit, ProfileEdit::RoleAdded("WebServer".into()));
    let refused = text.replace("\"eventID\"", "\"errorCode\":\"AccessDenied\",\"eventID\"");
    let (record, value) = parsed(&refused);
    assert!(read(&record, &value, &Arc::from("f")).is_none());
}

#[test]
fn dry_runs_hand_nothing_over() {
    let text = r#"{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances",
        "errorCode":"Client.DryRunOperation",
        "requestParameters":{"iamInstanceProfile":{"name":"p"}}}"#;
    let (record, value) = parsed(text);
    assert!(read(&record, &value, &Arc::from("f")).is_none());
}

#[test]
fn a_refusal_names_the_role_behind_a_profile() {
    let text = r#"{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances",
        "errorCode":"Client.UnauthorizedOperation",
        "errorMessage":"You are not authorized to perform this operation. User: arn:aws:iam::1:user/u is not authorized to perform: iam:PassRole on resource: arn:aws:iam::1:role/Web because no identity-based policy allows the iam:PassRole action. Encoded authorization failure message: xyz",
        "requestParameters":{"iamInstanceProfile":{"name":"p"}}}"#;
    let (record, value) = parsed(text);
    let Some(Found::HandOvers(found)) = read(&record, &value, &Arc::from("f")) else {
        panic!("no hand-over");
    };
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].named, "p");
    assert_eq!(found[0].holds, Holds::Profile);
    assert_eq!(found[0].role_arn, "arn:aws:iam::1:role/Web");
    assert_eq!(found[0].role_from, RoleFrom::ErrorMessage);
    assert_eq!(found[0].outcome, Outcome::Failure);
}

#[test]
fn one_call_can_hand_over_several_roles() {
    let text = r#"{"eventSource":"elasticmapreduce.amazonaws.com","eventName":"RunJobFlow",
        "requestParameters":{"serviceRole":"EMR_DefaultRole","jobFlowRole":"EMR_EC2_DefaultRole",
        "autoScalingRole":"arn:aws:iam::1:role/EMR_AutoScaling_DefaultRole"},
        "responseElements":{"jobFlowId":"j-1"}}"#;
    let (record, value) = parsed(text);
    let Some(Found::HandOvers(found)) = read(&record, &value, &Arc::from("f")) else {
        panic!("no hand-over");
    };
    let seen: Vec<(&str, Holds, &str)> = found
        .iter()
        .map(|h| (h.named.as_str(), h.holds, h.service))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "EMR_DefaultRole",
                Holds::Role,
                "elasticmapreduce.amazonaws.com"
            ),
            ("EMR_EC2_DefaultRole", Holds::Profile, "ec2.amazonaws.com"),
            (
                "arn:aws:iam::1:role/EMR_AutoScaling_DefaultRole",
                Holds::Role,
                "application-autoscaling.amazonaws.com"
            ),
        ]
    );
    assert!(found.iter().all(|h| h.resources == ["j-1"]));
}

#[test]
fn a_profile_named_by_name_takes_the_arn_its_launch_response_names() {
    let text = r#"{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances",
        "requestParameters":{"iamInstanceProfile":{"name":"Web"}},
        "responseElements":{"instancesSet":{"items":[{"instanceId":"i-1",
            "iamInstanceProfile":{"arn":"arn:aws:iam::1:instance-profile/ci/web","id":"AIPA1"}}]}}}"#;
    let (record, value) = parsed(text);
    let Some(Found::HandOvers(found)) = read(&record, &value, &Arc::from("f")) else {
        panic!("no hand-over");
    };
    assert_eq!(found[0].named, "arn:aws:iam::1:instance-profile/ci/web");
    assert_eq!(found[0].resources, ["i-1"]);
}
