//! One fixture per caller kind and per event, written from the documented record format.

use super::*;
use crate::read::records::Record;

fn extract_json(json: &str) -> Option<RoleAssumption> {
    let record: Record = serde_json::from_str(json).expect("fixture is valid JSON");
    extract(&record, &Arc::from("fixture.json"))
}

fn one(json: &str) -> RoleAssumption {
    extract_json(json).expect("a role assumption")
}

#[test]
fn iam_user_assumes_a_role_in_another_account() {
    let e = one(r#"{
        "eventTime": "2020-12-20T09:00:00Z", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.10", "userAgent": "aws-cli/2",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::111111111111:user/alice",
            "accountId": "111111111111", "accessKeyId": "AKIAEXAMPLE", "userName": "alice"},
        "requestParameters": {"roleArn": "arn:aws:iam::222222222222:role/Deploy", "roleSessionName": "alice"},
        "responseElements": {"credentials": {"accessKeyId": "ASIAISSUED", "expiration": "x"},
            "assumedRoleUser": {"arn": "arn:aws:sts::222222222222:assumed-role/Deploy/alice"}},
        "eventID": "e1", "sharedEventID": "s1", "recipientAccountId": "111111111111"}"#);
    assert_eq!(e.event_name, EventName::AssumeRole);
    assert_eq!(e.outcome, Outcome::Success);
    assert_eq!(e.source_kind, SourceKind::IamUser);
    assert_eq!(e.source(), "arn:aws:iam::111111111111:user/alice");
    assert_eq!(
        (e.source_account(), e.role_account()),
        ("111111111111", "222222222222")
    );
    assert_eq!(e.cross_account, Some(true));
    assert_eq!(
        e.session_arn(),
        "arn:aws:sts::222222222222:assumed-role/Deploy/alice"
    );
    assert_eq!(
        (e.caller_access_key(), e.issued_access_key()),
        ("AKIAEXAMPLE", "ASIAISSUED")
    );
    assert_eq!((e.event_id(), e.shared_event_id()), ("e1", "s1"));
    assert_eq!(
        timefmt::format_opt(e.event_time.as_ref()),
        "2020-12-20T09:00:00Z"
    );
}

#[test]
fn root_caller() {
    let e = one(r#"{"eventName": "AssumeRole",
        "userIdentity": {"type": "Root", "principalId": "111111111111", "arn": "arn:aws:iam::111111111111:root", "accountId": "111111111111"},
        "requestParameters": {"roleArn": "arn:aws:iam::111111111111:role/Ops", "roleSessionName": "root-ops"}}"#);
    assert_eq!(e.source_kind, SourceKind::Root);
    assert_eq!(e.source(), "arn:aws:iam::111111111111:root");
    assert_eq!(e.cross_account, Some(false));
    assert_eq!(
        e.session_arn(),
        "arn:aws:sts::111111111111:assumed-role/Ops/root-ops"
    );
}

#[test]
fn a_user_named_only_by_user_name_is_its_source() {
    let assume = |identity: &str| {
        one(&format!(
            r#"{{"eventName": "AssumeRole", "userIdentity": {identity},
            "requestParameters": {{"roleArn": "arn:aws:iam::111111111111:role/Ops", "roleSessionName": "s"}}}}"#
        ))
    };
    let named = assume(r#"{"type": "IAMUser", "userName": "alice"}"#);
    assert_eq!(
        (named.source_kind, named.source()),
        (SourceKind::IamUser, "alice")
    );
    // The ARN, then the principal id, come first.
    let by_id = assume(r#"{"type": "IAMUser", "principalId": "AIDAX", "userName": "alice"}"#);
    assert_eq!(by_id.source(), "AIDAX");
    let by_arn = assume(
        r#"{"type": "IAMUser", "arn": "arn:aws:iam::1:user/alice", "principalId": "AIDAX", "userName": "a"}"#,
    );
    assert_eq!(by_arn.source(), "arn:aws:iam::1:user/alice");
}

#[test]
fn assumed_role_caller_chains_from_its_issuer() {
    let e = one(
        r#"{"eventName": "AssumeRole", "eventTime": "2020-12-20T10:05:00Z",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/Admin/alice-admin",
            "accountId": "111111111111", "accessKeyId": "ASIAK1",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111111111111:role/ops/Admin"},
                "attributes": {"creationDate": "2020-12-20T10:00:00Z", "mfaAuthenticated": "true"}}},
        "requestParameters": {"roleArn": "arn:aws:iam::222222222222:role/Deployer", "roleSessionName": "d"}}"#,
    );
    assert_eq!(e.source_kind, SourceKind::AssumedRole);
    assert_eq!(
        e.source(),
        "arn:aws:sts::111111111111:assumed-role/Admin/alice-admin"
    );
    assert_eq!(
        e.caller_role_arn(),
        "arn:aws:iam::111111111111:role/ops/Admin"
    );
    assert_eq!(
        timefmt::format_opt(e.caller_session_created.as_ref()),
        "2020-12-20T10:00:00Z"
    );
    assert_eq!(e.mfa_authenticated(), "true");
    assert_eq!(e.caller_access_key(), "ASIAK1");
}

#[test]
fn aws_service_session_is_derived_from_role_and_session_name() {
    let e = one(
        r#"{"eventName": "AssumeRole", "sourceIPAddress": "ec2.amazonaws.com",
        "userIdentity": {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"},
        "requestParameters": {"roleArn": "arn:aws:iam::222222222222:role/service-role/Web", "roleSessionName": "i-0abc"},
        "responseElements": {"credentials": {"accessKeyId": "ASIAEC2"}}}"#,
    );
    assert_eq!(e.source_kind, SourceKind::AwsService);
    assert_eq!(e.source(), "ec2.amazonaws.com");
    assert_eq!(
        e.session_arn(),
        "arn:aws:sts::222222222222:assumed-role/Web/i-0abc"
    );
    // A service belongs to no account; it acts in the role's.
    assert_eq!(e.source_account(), "");
    assert_eq!(e.cross_account, Some(false));
    assert_eq!(e.origin_label(), "ec2.amazonaws.com");
}

#[test]
fn service_without_type_is_known_by_invoked_by_or_source_ip() {
    let e = one(
        r#"{"eventName": "AssumeRole", "sourceIPAddress": "lambda.amazonaws.com",
        "userIdentity": {"invokedBy": "lambda.amazonaws.com"},
        "requestParameters": {"roleArn": "arn:aws:iam::1:role/F", "roleSessionName": "F"}}"#,
    );
    assert_eq!(
        (e.source_kind, e.source()),
        (SourceKind::AwsService, "lambda.amazonaws.com")
    );
    let e = one(
        r#"{"eventName": "AssumeRole", "sourceIPAddress": "ecs-tasks.amazonaws.com",
        "userIdentity": {"type": "AWSService"},
        "requestParameters": {"roleArn": "arn:aws:iam::1:role/T", "roleSessionName": "t"}}"#,
    );
    assert_eq!(e.source(), "ecs-tasks.amazonaws.com");
}

#[test]
fn saml_user() {
    let e = one(r#"{"eventName": "AssumeRoleWithSAML",
        "userIdentity": {"type": "SAMLUser", "principalId": "x:carol", "userName": "carol@example.com", "identityProvider": "Bdvk"},
        "requestParameters": {"roleArn": "arn:aws:iam::111111111111:role/OktaAdmins", "principalArn": "arn:aws:iam::111111111111:saml-provider/Okta"},
        "responseElements": {"subject": "carol-subject", "assumedRoleUser": {"arn": "arn:aws:sts::111111111111:assumed-role/OktaAdmins/carol"}}}"#);
    assert_eq!(e.source_kind, SourceKind::Saml);
    assert_eq!(e.source(), "arn:aws:iam::111111111111:saml-provider/Okta");
    assert_eq!(e.source_subject(), "carol@example.com");
    assert_eq!(
        e.origin_label(),
        "arn:aws:iam::111111111111:saml-provider/Okta#carol@example.com"
    );
    let no_user_name = one(
        r#"{"eventName": "AssumeRoleWithSAML", "userIdentity": {"type": "SAMLUser"},
        "requestParameters": {"roleArn": "arn:aws:iam::1:role/R", "principalArn": "arn:aws:iam::1:saml-provider/P"},
        "responseElements": {"subject": "from-response"}}"#,
    );
    assert_eq!(no_user_name.source_subject(), "from-response");
}

#[test]
fn web_identity_user_github_and_eks() {
    let e = one(r#"{"eventName": "AssumeRoleWithWebIdentity",
        "userIdentity": {"type": "WebIdentityUser", "userName": "repo:org/repo:ref:refs/heads/main",
            "identityProvider": "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"},
        "requestParameters": {"roleArn": "arn:aws:iam::222222222222:role/Deploy", "roleSessionName": "GitHubActions"}}"#);
    assert_eq!(e.source_kind, SourceKind::WebIdentity);
    assert_eq!(
        e.source(),
        "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
    );
    assert_eq!(e.source_subject(), "repo:org/repo:ref:refs/heads/main");
    let eks = one(
        r#"{"eventName": "AssumeRoleWithWebIdentity", "userIdentity": {"type": "WebIdentityUser"},
        "requestParameters": {"roleArn": "arn:aws:iam::2:role/Irsa", "roleSessionName": "s"},
        "responseElements": {"provider": "arn:aws:iam::2:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X",
            "subjectFromWebIdentityToken": "system:serviceaccount:ns:name"}}"#,
    );
    assert_eq!(
        eks.source(),
        "arn:aws:iam::2:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X"
    );
    assert_eq!(eks.source_subject(), "system:serviceaccount:ns:name");
}

#[test]
fn aws_account_copy_names_the_caller_by_account_with_its_principal() {
    let e = one(r#"{"eventName": "AssumeRole",
        "userIdentity": {"type": "AWSAccount", "principalId": "AROAEXAMPLE:lambda", "accountId": "774305579662"},
        "requestParameters": {"roleArn": "arn:aws:iam::123412341234:role/Integration", "roleSessionName": "s"}}"#);
    assert_eq!(e.source_kind, SourceKind::AwsAccount);
    assert_eq!(
        (e.source(), e.source_subject(), e.source_account()),
        ("774305579662", "AROAEXAMPLE:lambda", "774305579662")
    );
    assert_eq!(e.origin_label(), "774305579662#AROAEXAMPLE:lambda");
    assert_eq!(e.cross_account, Some(true));
}

#[test]
fn federated_user_and_get_token_calls() {
    let e = one(r#"{"eventName": "AssumeRole",
        "userIdentity": {"type": "FederatedUser", "arn": "arn:aws:sts::1:federated-user/jane", "accountId": "1"},
        "requestParameters": {"roleArn": "arn:aws:iam::1:role/R", "roleSessionName": "s"}}"#);
    assert_eq!(
        (e.source_kind, e.source()),
        (
            SourceKind::FederatedUser,
            "arn:aws:sts::1:federated-user/jane"
        )
    );

    let token = one(r#"{"eventName": "GetFederationToken",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::444444444444:user/broker", "accountId": "444444444444"},
        "requestParameters": {"name": "contractor"},
        "responseElements": {"federatedUser": {"arn": "arn:aws:sts::444444444444:federated-user/contractor"}}}"#);
    assert_eq!(token.role_arn(), "");
    assert_eq!(token.session_name(), "contractor");
    assert_eq!(
        token.session_arn(),
        "arn:aws:sts::444444444444:federated-user/contractor"
    );
    assert_eq!(
        token.target(),
        "arn:aws:sts::444444444444:federated-user/contractor"
    );
    assert_eq!(
        (token.role_account(), token.cross_account),
        ("444444444444", Some(false))
    );

    // A caller not named by ARN: the federated user's partition is the Region's.
    let china = one(
        r#"{"eventName": "GetFederationToken", "awsRegion": "cn-north-1",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": "555555555555", "userName": "broker"},
        "requestParameters": {"name": "contractor"},
        "responseElements": {"credentials": {"accessKeyId": "ASIAFED"}}}"#,
    );
    assert_eq!(
        china.session_arn(),
        "arn:aws-cn:sts::555555555555:federated-user/contractor"
    );

    let session = one(r#"{"eventName": "GetSessionToken",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::4:user/dave", "accountId": "4"},
        "responseElements": {"credentials": {"accessKeyId": "ASIADAVE"}}}"#);
    assert_eq!(
        (session.target(), session.issued_access_key()),
        ("", "ASIADAVE")
    );
}

#[test]
fn assume_root_targets_the_member_accounts_root() {
    let e = one(r#"{"eventName": "AssumeRoot",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/secops", "accountId": "111111111111"},
        "requestParameters": {"targetPrincipal": "333333333333", "taskPolicyArn": {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}}}"#);
    assert_eq!(e.role_arn(), "arn:aws:iam::333333333333:root");
    assert_eq!(
        (e.role_account(), e.cross_account),
        ("333333333333", Some(true))
    );
}

#[test]
fn console_switch_role_from_the_article() {
    let e = one(r#"{
        "userIdentity": {"type": "AssumedRole", "principalId": "xxxxxxxxxH732QEGJXBGU:セッション名(ユーザー名)",
            "arn": "arn:aws:sts::000000000000:assumed-role/スイッチ先ロール名/セッション名(ユーザー名)", "accountId": "000000000000"},
        "eventTime": "2020-12-20T11:55:50Z", "eventSource": "signin.amazonaws.com", "eventName": "SwitchRole",
        "sourceIPAddress": "202.xx.xxx.xx", "requestParameters": null, "responseElements": {"SwitchRole": "Success"},
        "additionalEventData": {"SwitchFrom": "arn:aws:iam::999999999999:user/ユーザー名"},
        "eventID": "xxxxxxxx-adc1-496d-9252-d59a3da0b7c2", "recipientAccountId": "000000000000"}"#);
    assert_eq!(e.event_name, EventName::SwitchRole);
    assert_eq!(
        (e.source_kind, e.source()),
        (
            SourceKind::IamUser,
            "arn:aws:iam::999999999999:user/ユーザー名"
        )
    );
    assert_eq!(
        e.session_arn(),
        "arn:aws:sts::000000000000:assumed-role/スイッチ先ロール名/セッション名(ユーザー名)"
    );
    assert_eq!(
        e.role_arn(),
        "arn:aws:iam::000000000000:role/スイッチ先ロール名"
    );
    assert_eq!(e.session_name(), "セッション名(ユーザー名)");
    assert_eq!(
        (e.source_account(), e.role_account()),
        ("999999999999", "000000000000")
    );
    assert_eq!(e.cross_account, Some(true));
    assert_eq!(e.caller_role_arn(), "", "a SwitchRole never chains");
}

#[test]
fn failures_keep_the_role_from_the_error_message() {
    let e = one(r#"{"eventName": "AssumeRole", "errorCode": "AccessDenied",
        "errorMessage": "User: arn:aws:iam::3:user/mallory is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/Admin",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::3:user/mallory", "accountId": "3"},
        "requestParameters": null, "responseElements": null}"#);
    assert_eq!(
        (e.outcome, e.error_code()),
        (Outcome::Failure, "AccessDenied")
    );
    assert_eq!(e.role_arn(), "arn:aws:iam::1:role/Admin");
    assert_eq!(e.session_arn(), "", "a refused call creates no session");
    let switch = one(
        r#"{"eventName": "SwitchRole", "responseElements": {"SwitchRole": "Failure"},
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::4:assumed-role/R/bob", "accountId": "4"},
        "additionalEventData": {"SwitchFrom": "arn:aws:iam::1:user/bob"}}"#,
    );
    assert_eq!(
        (switch.outcome, switch.error_code()),
        (Outcome::Failure, "Failure")
    );
}

#[test]
fn missing_and_null_fields_give_empty_values() {
    let e = one(r#"{"eventName": " AssumeRole ", "userIdentity": null, "eventTime": "redacted"}"#);
    assert_eq!(e.source_kind, SourceKind::Unknown);
    assert_eq!((e.source(), e.role_arn(), e.event_time), ("", "", None));
    assert_eq!(e.cross_account, None);
    let logstash = one(r#"{"eventName": "AssumeRole", "@timestamp": "2020-09-14T00:48:30.123Z"}"#);
    assert_eq!(
        timefmt::format_opt(logstash.event_time.as_ref()),
        "2020-09-14T00:48:30.123Z"
    );
}

#[test]
fn other_events_are_not_role_assumptions() {
    assert!(extract_json(r#"{"eventName": "CreateRole", "requestParameters": {"assumeRolePolicyDocument": "sts:AssumeRole"}}"#).is_none());
    assert!(extract_json(r#"{"eventName": "ConsoleLogin"}"#).is_none());
    assert!(extract_json(r#"{"eventName": "assumerole"}"#).is_none());
}

#[test]
fn the_model_stays_compact() {
    // Every event of a trail is held until the output is written: watch the size.
    assert!(
        std::mem::size_of::<RoleAssumption>() <= 640,
        "{}",
        std::mem::size_of::<RoleAssumption>()
    );
}

#[test]
fn event_names_iterate_in_report_order_once_each() {
    let mut names = EventNames::default();
    assert!(names.is_empty());
    for name in [
        EventName::SwitchRole,
        EventName::AssumeRole,
        EventName::SwitchRole,
        EventName::AssumeRoot,
    ] {
        names.insert(name);
    }
    assert_eq!(
        names.iter().collect::<Vec<_>>(),
        [
            EventName::AssumeRole,
            EventName::AssumeRoot,
            EventName::SwitchRole
        ]
    );
    assert_eq!(names.len(), 3);
    assert!(!names.contains(EventName::GetSessionToken));
}

/// How long a hop's session lasts, as a link without a creation time checks it (a red-team's,
/// session 37): asked for, else STS's default, else (no request, a value no number) the longest
/// its kind allows.
#[test]
fn a_session_lasts_what_its_request_asked_else_the_default_else_the_longest() {
    let lasts = |name: &str, request: &str| {
        one(&format!(
            r#"{{"eventTime": "2020-12-20T09:00:00Z", "eventName": "{name}",
                "userIdentity": {{"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/alice"}},
                {request}
                "responseElements": {{"assumedRoleUser": {{"arn": "arn:aws:sts::111111111111:assumed-role/R/s"}}}}}}"#
        ))
        .session_lasts_seconds()
    };
    let role = r#""roleArn": "arn:aws:iam::111111111111:role/R", "roleSessionName": "s""#;
    let asked =
        |value: &str| format!(r#""requestParameters": {{{role}, "durationSeconds": {value}}},"#);
    let plain = format!(r#""requestParameters": {{{role}}},"#);
    assert_eq!(lasts("AssumeRole", &asked("900")), 900);
    assert_eq!(lasts("AssumeRole", &asked("\"7200\"")), 7200);
    assert_eq!(lasts("AssumeRole", &asked("86400")), 12 * 3600);
    assert_eq!(lasts("AssumeRole", &plain), 3600);
    assert_eq!(lasts("AssumeRole", &asked("\"\"")), 12 * 3600);
    assert_eq!(lasts("AssumeRole", &asked("\"PT1H\"")), 12 * 3600);
    assert_eq!(lasts("AssumeRole", ""), 12 * 3600);
    assert_eq!(lasts("AssumeRoot", &plain), 900);
}

#[test]
fn a_name_from_another_service_is_no_role_assumption() {
    // Panther's fixture of a console sign-in, renamed `AssumeRole` (real-trails), and an STS
    // record named `SwitchRole`: neither is a hop. Without an `eventSource` the name decides.
    let record = |source: &str, name: &str| {
        format!(
            r#"{{"eventTime": "2024-06-02T19:41:40Z", {source} "eventName": "{name}",
            "userIdentity": {{"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/R/s",
                "accountId": "111111111111"}},
            "requestParameters": {{"roleArn": "arn:aws:iam::111111111111:role/Next", "roleSessionName": "s"}},
            "additionalEventData": {{"SwitchFrom": "arn:aws:iam::111111111111:user/alice"}},
            "eventID": "e1", "recipientAccountId": "111111111111"}}"#
        )
    };
    let read = |source: &str, name: &str| extract_json(&record(source, name)).map(|e| e.event_name);
    let signin = r#""eventSource": "signin.amazonaws.com","#;
    let sts = r#""eventSource": " sts.amazonaws.com ","#;
    assert_eq!(read(signin, "AssumeRole"), None);
    assert_eq!(read(sts, "SwitchRole"), None);
    assert_eq!(read(sts, "AssumeRole"), Some(EventName::AssumeRole));
    assert_eq!(read(signin, "SwitchRole"), Some(EventName::SwitchRole));
    assert_eq!(read("", "AssumeRole"), Some(EventName::AssumeRole));
    assert_eq!(read("", "SwitchRole"), Some(EventName::SwitchRole));
}
