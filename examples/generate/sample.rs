//! sample-logs/: a small organization trail in which every case trailmask handles happens
//! once or more. sample-logs/README.md tells each scenario; the numbers there (times,
//! accounts, roles) are the ones written here.

use crate::record::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

pub const ORG: &str = "o-a1b2c3d4e5";
pub const MGMT: &str = "111111111111";
pub const PROD: &str = "222222222222";
pub const DEV: &str = "333333333333";
pub const SECURITY: &str = "444444444444";
/// The article's SwitchRole target account (inside the organization).
pub const ARTICLE: &str = "000000000000";
/// A vendor's account, outside the organization.
pub const VENDOR: &str = "555555555555";

const CLI: &str =
    "aws-cli/2.1.10 Python/3.8.5 Darwin/20.2.0 exe/x86_64 prompt/off command/sts.assume-role";
const SDK: &str = "aws-sdk-go/1.36.7 (go1.15.6; linux; amd64)";
const CONSOLE: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.88 Safari/537.36";

/// The console SwitchRole record exactly as the article prints it (../shared/seed/ARTICLE-NOTES.md).
const ARTICLE_SWITCH_ROLE: &str = r#"{
    "eventVersion": "1.08",
    "userIdentity": {
        "type": "AssumedRole",
        "principalId": "xxxxxxxxxH732QEGJXBGU:セッション名(ユーザー名)",
        "arn": "arn:aws:sts::000000000000:assumed-role/スイッチ先ロール名/セッション名(ユーザー名)",
        "accountId": "000000000000"
    },
    "eventTime": "2020-12-20T11:55:50Z",
    "eventSource": "signin.amazonaws.com",
    "eventName": "SwitchRole",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "202.xx.xxx.xx",
    "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.88 Safari/537.36",
    "requestParameters": null,
    "responseElements": {
        "SwitchRole": "Success"
    },
    "additionalEventData": {
        "SwitchFrom": "arn:aws:iam::999999999999:user/ユーザー名",
        "RedirectTo": "https://ap-northeast-1.console.aws.amazon.com/console/home?region=ap-northeast-1#"
    },
    "eventID": "xxxxxxxx-adc1-496d-9252-d59a3da0b7c2",
    "readOnly": false,
    "eventType": "AwsConsoleSignIn",
    "managementEvent": true,
    "eventCategory": "Management",
    "recipientAccountId": "000000000000"
}"#;

/// Records grouped by the trail file they are delivered in: (account, region, "YYYYMMDDTHH").
#[derive(Default)]
struct Trail {
    files: BTreeMap<(String, String, String), Vec<String>>,
    rng: Option<Rng>,
}

impl Trail {
    fn rng(&mut self) -> &mut Rng {
        self.rng.get_or_insert(Rng(20201220))
    }

    fn deliver(&mut self, account: &str, region: &str, time: &str, record: String) {
        let hour = format!(
            "{}{}{}T{}",
            &time[0..4],
            &time[5..7],
            &time[8..10],
            &time[11..13]
        );
        self.files
            .entry((account.to_owned(), region.to_owned(), hour))
            .or_default()
            .push(record);
    }

    fn add(&mut self, account: &str, region: &str, record: Value) {
        let time = record["eventTime"]
            .as_str()
            .unwrap_or("2020-12-20T00:00:00Z")
            .to_owned();
        self.deliver(account, region, &time, record.to_string());
    }

    /// An AssumeRole by `identity`; cross-account calls also go to the role's account as an
    /// `AWSAccount` copy sharing a `sharedEventID`. Returns the issued key.
    #[allow(clippy::too_many_arguments)]
    fn assume_role(
        &mut self,
        time: &str,
        region: &str,
        caller_account: &str,
        identity: Value,
        role_arn: &str,
        session: &str,
        ip: &str,
        agent: &str,
    ) -> String {
        let key = self.rng().access_key("ASIA");
        let event_id = self.rng().uuid();
        let (role_account, _) = split_role(role_arn);
        let role_account = role_account.to_owned();
        let cross = caller_account != role_account;
        let shared = cross.then(|| self.rng().uuid());
        let common = Common {
            time,
            source: "sts.amazonaws.com",
            name: "AssumeRole",
            region,
            ip,
            agent,
            recipient: caller_account,
        };
        let mut extra = vec![("resources", sts_resources(role_arn))];
        if let Some(shared) = &shared {
            extra.push(("sharedEventID", json!(shared)));
        }
        let request = assume_request(role_arn, session);
        let response = assume_response(role_arn, session, &key, true);
        let caller_key = identity["accessKeyId"].as_str().unwrap_or("").to_owned();
        let principal = identity["principalId"].as_str().unwrap_or("").to_owned();
        self.add(
            caller_account,
            region,
            record(
                &common,
                identity,
                request.clone(),
                response.clone(),
                &event_id,
                &extra,
            ),
        );
        // The role account gets its copy only when its trail is ours (not the vendor's).
        if cross && role_account != VENDOR {
            let copy_id = self.rng().uuid();
            let copy = Common {
                recipient: &role_account,
                ..common
            };
            self.add(
                &role_account,
                region,
                record(
                    &copy,
                    account_identity(caller_account, &principal, &caller_key),
                    request,
                    response,
                    &copy_id,
                    &extra,
                ),
            );
        }
        key
    }

    /// A service (EC2, Lambda, ECS) putting on the role it was passed.
    fn service_assumes(
        &mut self,
        time: &str,
        region: &str,
        service: &str,
        role_arn: &str,
        session: &str,
    ) -> String {
        let key = self.rng().access_key("ASIA");
        let event_id = self.rng().uuid();
        let (account, _) = split_role(role_arn);
        let account = account.to_owned();
        let common = Common {
            time,
            source: "sts.amazonaws.com",
            name: "AssumeRole",
            region,
            ip: service,
            agent: service,
            recipient: &account,
        };
        let response = assume_response(role_arn, session, &key, false);
        let extra = [
            ("resources", sts_resources(role_arn)),
            ("sharedEventID", json!(self.rng().uuid())),
        ];
        self.add(
            &account,
            region,
            record(
                &common,
                service_identity(service),
                assume_request(role_arn, session),
                response,
                &event_id,
                &extra,
            ),
        );
        key
    }

    /// Ordinary API calls around the role events, including two that mention AssumeRole in
    /// their parameters (a naive substring match would count them).
    fn noise(&mut self) {
        let keys: Vec<(String, String, String)> = self.files.keys().cloned().collect();
        for (index, (account, region, hour)) in keys.into_iter().enumerate() {
            let time = format!(
                "{}-{}-{}T{}:3{}:1{}Z",
                &hour[0..4],
                &hour[4..6],
                &hour[6..8],
                &hour[9..11],
                index % 6,
                index % 10
            );
            let user = iam_user(&account, "ops-bot", "AKIAOPSBOT0EXAMPLE01");
            let calls: [(&str, &str, Value); 3] = [
                (
                    "ec2.amazonaws.com",
                    "DescribeInstances",
                    json!({"instancesSet": {}, "filterSet": {}}),
                ),
                (
                    "s3.amazonaws.com",
                    "GetBucketAcl",
                    json!({"bucketName": format!("logs-{account}"), "acl": ""}),
                ),
                (
                    "kms.amazonaws.com",
                    "Decrypt",
                    json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
                ),
            ];
            for (source, name, request) in calls.into_iter().take(1 + index % 3) {
                let event_id = self.rng().uuid();
                let common = Common {
                    time: &time,
                    source,
                    name,
                    region: &region,
                    ip: "198.51.100.23",
                    agent: SDK,
                    recipient: &account,
                };
                self.add(
                    &account,
                    &region,
                    record(&common, user.clone(), request, Value::Null, &event_id, &[]),
                );
            }
        }
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let event_id = self.rng().uuid();
        let common = Common {
            time: "2020-12-20T08:40:00Z",
            source: "iam.amazonaws.com",
            name: "CreateRole",
            region: "us-east-1",
            ip: "198.51.100.7",
            agent: CLI,
            recipient: PROD,
        };
        self.add(PROD, "us-east-1", record(&common, iam_user(PROD, "platform", "AKIAPLATFORMEXAMPLE1"),
            json!({"roleName": "WebServerRole", "assumeRolePolicyDocument": policy}),
            json!({"role": {"arn": "arn:aws:iam::222222222222:role/WebServerRole", "roleName": "WebServerRole"}}), &event_id, &[]));
        let event_id = self.rng().uuid();
        let common = Common {
            time: "2020-12-21T16:00:00Z",
            source: "cloudtrail.amazonaws.com",
            name: "LookupEvents",
            region: "us-east-1",
            ip: "198.51.100.9",
            agent: CLI,
            recipient: SECURITY,
        };
        self.add(SECURITY, "us-east-1", record(&common, iam_user(SECURITY, "analyst", "AKIAANALYSTEXAMPLE01"),
            json!({"lookupAttributes": [{"attributeKey": "EventName", "attributeValue": "AssumeRole"}]}), Value::Null, &event_id, &[]));
    }
}

fn user(account: &str, name: &str) -> Value {
    iam_user(
        account,
        name,
        &format!(
            "AKIA{}EXAMPLE",
            name.to_uppercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(12)
                .collect::<String>()
        ),
    )
}

fn role(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// Writes sample-logs/ under `out`.
pub fn write(out: &Path) -> Result<String, Box<dyn std::error::Error>> {
    let mut trail = Trail::default();

    // 1. An IAM user assumes a role in another account; both accounts get a copy.
    trail.assume_role(
        "2020-12-20T09:00:00Z",
        "us-east-1",
        MGMT,
        user(MGMT, "alice"),
        &role(PROD, "OrganizationAccountAccessRole"),
        "alice",
        "203.0.113.10",
        CLI,
    );

    // 2. A role chain of depth 4: alice -> Admin (111) -> Deployer (222) -> DataReader (333)
    //    -> VendorAuditAccess in a vendor's account outside the organization.
    let k1 = trail.assume_role(
        "2020-12-20T10:00:00Z",
        "us-east-1",
        MGMT,
        user(MGMT, "alice"),
        &role(MGMT, "Admin"),
        "alice-admin",
        "203.0.113.10",
        CLI,
    );
    let k2 = trail.assume_role(
        "2020-12-20T10:05:00Z",
        "us-east-1",
        MGMT,
        session_identity(MGMT, "Admin", "alice-admin", &k1, "2020-12-20T10:00:00Z"),
        &role(PROD, "Deployer"),
        "deploy-2f9",
        "203.0.113.10",
        CLI,
    );
    let k3 = trail.assume_role(
        "2020-12-20T10:07:30Z",
        "us-east-1",
        PROD,
        session_identity(PROD, "Deployer", "deploy-2f9", &k2, "2020-12-20T10:05:00Z"),
        &role(DEV, "DataReader"),
        "etl-read",
        "203.0.113.10",
        SDK,
    );
    trail.assume_role(
        "2020-12-20T10:09:10Z",
        "us-east-1",
        DEV,
        session_identity(DEV, "DataReader", "etl-read", &k3, "2020-12-20T10:07:30Z"),
        &role(VENDOR, "VendorAuditAccess"),
        "audit",
        "203.0.113.10",
        SDK,
    );

    // 3. The article's console SwitchRole, verbatim, and two of our own (one refused).
    trail.deliver(
        ARTICLE,
        "us-east-1",
        "2020-12-20T11:55:50Z",
        ARTICLE_SWITCH_ROLE.to_owned(),
    );
    for (time, account, role_name, outcome) in [
        ("2020-12-20T12:30:00Z", PROD, "ReadOnly", "Success"),
        ("2020-12-20T12:31:00Z", SECURITY, "SecurityAudit", "Failure"),
    ] {
        let event_id = trail.rng().uuid();
        let session = format!("arn:aws:sts::{account}:assumed-role/{role_name}/bob");
        let mut switch = json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "AssumedRole", "principalId": "AROAREADONLYEXAMPLE:bob", "arn": session, "accountId": account},
            "eventTime": time, "eventSource": "signin.amazonaws.com", "eventName": "SwitchRole",
            "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.44", "userAgent": CONSOLE,
            "requestParameters": null, "responseElements": {"SwitchRole": outcome},
            "additionalEventData": {"SwitchFrom": format!("arn:aws:iam::{MGMT}:user/bob"),
                "RedirectTo": "https://console.aws.amazon.com/console/home?region=us-east-1#"},
            "eventID": event_id, "readOnly": false, "eventType": "AwsConsoleSignIn",
            "managementEvent": true, "eventCategory": "Management", "recipientAccountId": account,
        });
        if outcome == "Failure" {
            switch["errorMessage"] = json!("Cannot switch to role: not authorized");
        }
        trail.add(account, "us-east-1", switch);
        if outcome == "Success" {
            // The AssumeRole the console made for the switch, as CloudTrail logs it (to both
            // accounts): `AWS Internal` for agent and address, the session name the switch
            // shows, and the role's path, which the switch's session ARN drops. Its ids come
            // from a generator of their own, so the records after it keep theirs.
            let others = trail.rng.replace(Rng(202_012_201_230));
            trail.assume_role(
                time,
                "us-east-1",
                MGMT,
                iam_user(MGMT, "bob", "ASIABOBCONSOLE0SIGNIN"),
                &format!("arn:aws:iam::{account}:role/console/{role_name}"),
                "bob",
                "AWS Internal",
                "AWS Internal",
            );
            trail.rng = others;
        }
    }

    // 4. EC2, Lambda and ECS put on the roles they were passed; one instance chains on.
    let web = role(PROD, "WebServerRole");
    let instance_key = trail.service_assumes(
        "2020-12-20T13:00:00Z",
        "eu-west-1",
        "ec2.amazonaws.com",
        &web,
        "i-0a1b2c3d4e5f60001",
    );
    trail.service_assumes(
        "2020-12-21T13:00:00Z",
        "eu-west-1",
        "ec2.amazonaws.com",
        &web,
        "i-0a1b2c3d4e5f60002",
    );
    trail.service_assumes(
        "2020-12-22T13:00:00Z",
        "eu-west-1",
        "ec2.amazonaws.com",
        &web,
        "i-0a1b2c3d4e5f60001",
    );
    trail.assume_role(
        "2020-12-20T13:20:00Z",
        "eu-west-1",
        PROD,
        session_identity(
            PROD,
            "WebServerRole",
            "i-0a1b2c3d4e5f60001",
            &instance_key,
            "2020-12-20T13:00:00Z",
        ),
        &role(PROD, "S3UploaderRole"),
        "uploader",
        "10.0.12.7",
        SDK,
    );
    trail.service_assumes(
        "2020-12-20T14:00:00Z",
        "eu-west-1",
        "lambda.amazonaws.com",
        &role(PROD, "OrderProcessorLambda"),
        "OrderProcessor",
    );
    trail.service_assumes(
        "2020-12-22T14:00:00Z",
        "eu-west-1",
        "lambda.amazonaws.com",
        &role(PROD, "OrderProcessorLambda"),
        "OrderProcessor",
    );
    trail.service_assumes(
        "2020-12-21T07:45:00Z",
        "eu-west-1",
        "ecs-tasks.amazonaws.com",
        &role(PROD, "PaymentsTaskRole"),
        "5f1c2b3a4d5e6f708192a3b4c5d6e7f8",
    );

    // 5. SAML federation (Okta) and OIDC federation (GitHub Actions, EKS service account).
    {
        let event_id = trail.rng().uuid();
        let key = trail.rng().access_key("ASIA");
        let provider = format!("arn:aws:iam::{MGMT}:saml-provider/Okta");
        let role_arn = role(MGMT, "OktaAdmins");
        let common = Common {
            time: "2020-12-21T08:15:00Z",
            source: "sts.amazonaws.com",
            name: "AssumeRoleWithSAML",
            region: "us-east-1",
            ip: "198.51.100.50",
            agent: CONSOLE,
            recipient: MGMT,
        };
        let identity = json!({"type": "SAMLUser", "principalId": "SampleUkh1i4+ifBmR0qcf2Y3e0=:carol@example.com", "userName": "carol@example.com", "identityProvider": "Bdvk5yJ4S0GuwFXLEXAMPLE"});
        let request = json!({"sAMLAssertionID": "_c0046cEXAMPLEb9d4b8eEXAMPLE2619aEXAMPLE", "roleSessionName": "carol@example.com", "principalTags": {"Department": "Platform"}, "durationSeconds": 3600, "roleArn": role_arn, "principalArn": provider});
        let response = json!({"credentials": credentials(&key, "Dec 21, 2020, 9:15:00 AM"),
            "assumedRoleUser": {"assumedRoleId": "AROAOKTAADMINSEXAMPLE:carol@example.com", "arn": format!("arn:aws:sts::{MGMT}:assumed-role/OktaAdmins/carol@example.com")},
            "subject": "carol@example.com", "subjectType": "persistent", "issuer": "http://www.okta.com/exk1a2b3c4EXAMPLE",
            "audience": "https://signin.aws.amazon.com/saml", "nameQualifier": "SbdGOnUkh1i4+EXAMPLExL/jEvs="});
        trail.add(
            MGMT,
            "us-east-1",
            record(
                &common,
                identity,
                request,
                response,
                &event_id,
                &[("resources", sts_resources(&role_arn))],
            ),
        );
    }
    for (time, region, host, subject, role_name, session) in [
        (
            "2020-12-21T09:30:00Z",
            "us-east-1",
            "token.actions.githubusercontent.com",
            "repo:example-org/shop:ref:refs/heads/main",
            "GitHubActionsDeploy",
            "GitHubActions",
        ),
        (
            "2020-12-22T09:30:00Z",
            "us-east-1",
            "token.actions.githubusercontent.com",
            "repo:example-org/shop:ref:refs/heads/main",
            "GitHubActionsDeploy",
            "GitHubActions",
        ),
        (
            "2020-12-21T10:00:00Z",
            "eu-west-1",
            "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
            "system:serviceaccount:payments:api",
            "PaymentsApiIrsa",
            "botocore-session-1608544800",
        ),
    ] {
        let event_id = trail.rng().uuid();
        let key = trail.rng().access_key("ASIA");
        let provider = format!("arn:aws:iam::{PROD}:oidc-provider/{host}");
        let role_arn = role(PROD, role_name);
        let common = Common {
            time,
            source: "sts.amazonaws.com",
            name: "AssumeRoleWithWebIdentity",
            region,
            ip: "192.0.2.80",
            agent: SDK,
            recipient: PROD,
        };
        let identity = json!({"type": "WebIdentityUser", "principalId": format!("{provider}:sts.amazonaws.com:{subject}"), "userName": subject, "identityProvider": provider});
        let response = json!({"credentials": credentials(&key, "Dec 21, 2020, 10:30:00 AM"), "subjectFromWebIdentityToken": subject,
            "assumedRoleUser": {"assumedRoleId": format!("AROAWEBIDENTITYEXAMPLE:{session}"), "arn": format!("arn:aws:sts::{PROD}:assumed-role/{role_name}/{session}")},
            "provider": provider, "audience": "sts.amazonaws.com"});
        trail.add(
            PROD,
            region,
            record(
                &common,
                identity,
                json!({"roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600}),
                response,
                &event_id,
                &[("resources", sts_resources(&role_arn))],
            ),
        );
    }

    // 6. Refused: mallory in dev tries the management account's Admin role, twice.
    let admin = role(MGMT, "Admin");
    for (time, with_parameters) in [
        ("2020-12-21T14:00:00Z", false),
        ("2020-12-21T14:01:00Z", true),
    ] {
        let event_id = trail.rng().uuid();
        let common = Common {
            time,
            source: "sts.amazonaws.com",
            name: "AssumeRole",
            region: "us-east-1",
            ip: "198.51.100.66",
            agent: CLI,
            recipient: DEV,
        };
        let request = if with_parameters {
            assume_request(&admin, "x")
        } else {
            Value::Null
        };
        let message = format!(
            "User: arn:aws:iam::{DEV}:user/mallory is not authorized to perform: sts:AssumeRole on resource: {admin}"
        );
        trail.add(
            DEV,
            "us-east-1",
            record(
                &common,
                user(DEV, "mallory"),
                request,
                Value::Null,
                &event_id,
                &[
                    ("errorCode", json!("AccessDenied")),
                    ("errorMessage", json!(message)),
                ],
            ),
        );
    }

    // 7. Session tokens, federation tokens and a privileged root session.
    let root_key = {
        let event_id = trail.rng().uuid();
        let key = trail.rng().access_key("ASIA");
        let common = Common {
            time: "2020-12-21T15:00:00Z",
            source: "sts.amazonaws.com",
            name: "GetSessionToken",
            region: "us-east-1",
            ip: "198.51.100.12",
            agent: CLI,
            recipient: SECURITY,
        };
        trail.add(SECURITY, "us-east-1", record(&common, user(SECURITY, "dave"),
            json!({"durationSeconds": 43200, "serialNumber": "arn:aws:iam::444444444444:mfa/dave"}),
            json!({"credentials": credentials(&key, "Dec 22, 2020, 3:00:00 AM")}), &event_id, &[]));
        let event_id = trail.rng().uuid();
        let key = trail.rng().access_key("ASIA");
        let common = Common {
            time: "2020-12-21T15:30:00Z",
            name: "GetFederationToken",
            ip: "198.51.100.13",
            ..common
        };
        trail.add(SECURITY, "us-east-1", record(&common, user(SECURITY, "broker"),
            json!({"name": "contractor-jane", "durationSeconds": 3600}),
            json!({"credentials": credentials(&key, "Dec 21, 2020, 4:30:00 PM"),
                   "federatedUser": {"federatedUserId": "444444444444:contractor-jane", "arn": "arn:aws:sts::444444444444:federated-user/contractor-jane"},
                   "packedPolicySize": 6}), &event_id, &[]));
        let event_id = trail.rng().uuid();
        let key = trail.rng().access_key("ASIA");
        let common = Common {
            time: "2020-12-22T09:00:00Z",
            source: "sts.amazonaws.com",
            name: "AssumeRoot",
            region: "us-east-1",
            ip: "198.51.100.14",
            agent: CLI,
            recipient: MGMT,
        };
        trail.add(MGMT, "us-east-1", record(&common, user(MGMT, "secops"),
            json!({"targetPrincipal": DEV, "taskPolicyArn": {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}, "durationSeconds": 900}),
            json!({"credentials": credentials(&key, "Dec 22, 2020, 9:15:00 AM"), "sourceIdentity": ""}), &event_id, &[]));
        key
    };

    // 8. Day three: alice goes back to Admin and on to Deployer (a second, shorter chain).
    let k5 = trail.assume_role(
        "2020-12-22T08:00:00Z",
        "us-east-1",
        MGMT,
        user(MGMT, "alice"),
        &role(MGMT, "Admin"),
        "alice-admin",
        "203.0.113.10",
        CLI,
    );
    trail.assume_role(
        "2020-12-22T08:02:00Z",
        "us-east-1",
        MGMT,
        session_identity(MGMT, "Admin", "alice-admin", &k5, "2020-12-22T08:00:00Z"),
        &role(PROD, "Deployer"),
        "deploy-7c1",
        "203.0.113.10",
        CLI,
    );

    trail.noise();
    hand_overs(&mut trail, &k2);
    root_session(&mut trail, &root_key);
    write_files(out, trail)
}

/// Scenario 7's privileged root session at work: secops' `AssumeRoot` key audits the root
/// user's credentials in 333333333333 (the three calls its task policy allows), then the
/// account's root signs in on its own and calls once with a key no hop issued: that call is
/// root's, no mask's. Written last, with ids of their own, so the records before keep theirs.
fn root_session(trail: &mut Trail, root_key: &str) {
    let others = trail.rng.replace(Rng(202_012_220_900));
    let root = |key: &str, created: &str| {
        json!({"type": "Root", "principalId": DEV, "arn": format!("arn:aws:iam::{DEV}:root"), "accountId": DEV,
               "accessKeyId": key,
               "sessionContext": {"attributes": {"creationDate": created, "mfaAuthenticated": "false"}}})
    };
    let common = Common {
        time: "2020-12-22T09:01:00Z",
        source: "iam.amazonaws.com",
        name: "GetLoginProfile",
        region: "us-east-1",
        ip: "198.51.100.14",
        agent: CLI,
        recipient: DEV,
    };
    let own_key = trail.rng().access_key("ASIA");
    let calls = [
        (
            "2020-12-22T09:01:00Z",
            "GetLoginProfile",
            root_key,
            "2020-12-22T09:00:00Z",
            CLI,
        ),
        (
            "2020-12-22T09:02:00Z",
            "ListAccessKeys",
            root_key,
            "2020-12-22T09:00:00Z",
            CLI,
        ),
        (
            "2020-12-22T09:03:00Z",
            "ListMFADevices",
            root_key,
            "2020-12-22T09:00:00Z",
            CLI,
        ),
        (
            "2020-12-22T09:40:00Z",
            "GetAccountSummary",
            &own_key,
            "2020-12-22T09:35:00Z",
            CONSOLE,
        ),
    ];
    for (time, name, key, created, agent) in calls {
        let event_id = trail.rng().uuid();
        let common = Common {
            time,
            name,
            agent,
            ..common
        };
        trail.add(
            DEV,
            "us-east-1",
            record(
                &common,
                root(key, created),
                json!({}),
                Value::Null,
                &event_id,
                &[],
            ),
        );
    }
    trail.rng = others;
}

/// Scenario 10, hand-overs (iam:PassRole, carried by the service calls): alice's Deployer session
/// launches the two instances of scenario 4 with instance profile `web-server` (named unlike
/// its role), creates the Lambda function and registers the ECS task definition (with an
/// execution role no session in the logs wears); mallory is refused handing a role to a
/// function. Written last, with ids of their own, so the records before keep theirs.
fn hand_overs(trail: &mut Trail, deploy_key: &str) {
    let others = trail.rng.replace(Rng(202_012_201_020));
    let deployer = session_identity(
        PROD,
        "Deployer",
        "deploy-2f9",
        deploy_key,
        "2020-12-20T10:05:00Z",
    );
    let common = Common {
        time: "2020-12-20T10:20:00Z",
        source: "ec2.amazonaws.com",
        name: "RunInstances",
        region: "eu-west-1",
        ip: "203.0.113.10",
        agent: "aws-cli/2.1.10 Python/3.8.5 Darwin/20.2.0 exe/x86_64 prompt/off command/ec2.run-instances",
        recipient: PROD,
    };
    let instances: Vec<Value> = ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"]
        .iter()
        .map(|id| json!({"instanceId": id, "imageId": "ami-0abcdef1234567890", "instanceType": "t3.micro",
            "iamInstanceProfile": {"arn": format!("arn:aws:iam::{PROD}:instance-profile/web-server"), "id": "AIPAWEBSERVEREXAMPLE"}}))
        .collect();
    let event_id = trail.rng().uuid();
    trail.add(PROD, "eu-west-1", record(&common, deployer.clone(),
        json!({"instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 2, "maxCount": 2}]},
               "instanceType": "t3.micro", "iamInstanceProfile": {"name": "web-server"}, "userData": "<sensitiveDataRemoved>"}),
        json!({"reservationId": "r-0a1b2c3d4e5f60000", "ownerId": PROD, "instancesSet": {"items": instances}}),
        &event_id, &[]));
    let function = format!("arn:aws:lambda:eu-west-1:{PROD}:function:OrderProcessor");
    let event_id = trail.rng().uuid();
    trail.add(PROD, "eu-west-1", record(&Common {
            time: "2020-12-20T10:25:00Z", source: "lambda.amazonaws.com", name: "CreateFunction20150331", ..common },
        deployer.clone(),
        json!({"functionName": "OrderProcessor", "runtime": "python3.8", "role": role(PROD, "OrderProcessorLambda"), "handler": "app.handler", "environment": {}}),
        json!({"functionName": "OrderProcessor", "functionArn": function, "role": role(PROD, "OrderProcessorLambda"), "state": "Pending"}),
        &event_id, &[]));
    let event_id = trail.rng().uuid();
    trail.add(PROD, "eu-west-1", record(&Common {
            time: "2020-12-20T10:30:00Z", source: "ecs.amazonaws.com", name: "RegisterTaskDefinition", ..common },
        deployer,
        json!({"family": "payments", "taskRoleArn": role(PROD, "PaymentsTaskRole"), "executionRoleArn": role(PROD, "ecsTaskExecutionRole"),
               "networkMode": "awsvpc", "containerDefinitions": [{"name": "api", "image": "example/payments:1.4"}]}),
        json!({"taskDefinition": {"taskDefinitionArn": format!("arn:aws:ecs:eu-west-1:{PROD}:task-definition/payments:1"), "family": "payments", "revision": 1}}),
        &event_id, &[]));
    let event_id = trail.rng().uuid();
    let mallory = format!("arn:aws:iam::{DEV}:user/mallory");
    let admin = role(DEV, "DevAdmin");
    trail.add(DEV, "us-east-1", record(&Common {
            time: "2020-12-21T14:05:00Z", source: "lambda.amazonaws.com", name: "CreateFunction20150331",
            region: "us-east-1", ip: "198.51.100.66", agent: SDK, recipient: DEV },
        user(DEV, "mallory"),
        json!({"functionName": "helper", "runtime": "python3.8", "role": admin, "handler": "app.handler"}),
        Value::Null,
        &event_id,
        &[("errorCode", json!("AccessDeniedException")),
          ("errorMessage", json!(format!("User: {mallory} is not authorized to perform: iam:PassRole on resource: {admin} because no identity-based policy allows the iam:PassRole action")))]));
    trail.rng = others;
}

fn write_files(out: &Path, trail: Trail) -> Result<String, Box<dyn std::error::Error>> {
    let mut written = 0;
    let mut records = 0;
    for ((account, region, hour), file_records) in &trail.files {
        let stamp = format!("{hour}05Z");
        let seed = format!("{account}{region}{stamp}")
            .bytes()
            .fold(0u64, |h, b| mix(h ^ u64::from(b)));
        let id = Rng(seed).alnum(16);
        let path = delivery_path(out, ORG, account, region, &stamp, &id);
        let body = format!("{{\"Records\":[{}]}}", file_records.join(","));
        write_gz(&path, body.as_bytes(), 9)?;
        written += 1;
        records += file_records.len();
    }
    // A digest file beside the logs: counted, never read as events.
    let digest = json!({
        "awsAccountId": MGMT, "digestStartTime": "2020-12-20T09:00:00Z", "digestEndTime": "2020-12-20T10:00:00Z",
        "digestS3Bucket": "org-trail-bucket", "digestS3Object": "AWSLogs/o-a1b2c3d4e5/111111111111/CloudTrail-Digest/us-east-1/2020/12/20/111111111111_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20201220T100000Z.json.gz",
        "digestPublicKeyFingerprint": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": "2020-12-20T10:09:10Z", "oldestEventTime": "2020-12-20T09:00:00Z",
        "previousDigestS3Bucket": null, "previousDigestHashValue": null, "previousDigestHashAlgorithm": null, "previousDigestSignature": null,
        "logFiles": [],
    });
    let digest_path = out
        .join("AWSLogs")
        .join(ORG)
        .join(MGMT)
        .join("CloudTrail-Digest")
        .join("us-east-1/2020/12/20")
        .join(
            "111111111111_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20201220T100000Z.json.gz",
        );
    write_gz(&digest_path, digest.to_string().as_bytes(), 9)?;
    Ok(format!(
        "wrote {written} log files ({records} records) and 1 digest under {}",
        out.display()
    ))
}
