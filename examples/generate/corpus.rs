//! Benchmark corpora: large, realistic organization trails.
//!
//! Records of about 1.3 KB with the usual fields; about 7% role assumptions (services, users
//! across accounts, chained sessions whose keys link back, SAML and OIDC federation, refusals,
//! console SwitchRole) among ordinary API calls, about 1% of which mention "AssumeRole" inside
//! a string; files of 10 to 2,000 records in the S3 layout over 20 accounts, 4 regions and
//! 30 days. Files are generated in parallel, each from its own seed, so the bytes do not
//! depend on the thread count.

use super::record::*;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::path::Path;

const ACCOUNTS: usize = 20;
const REGIONS: [&str; 4] = ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"];
const SERVICES: [&str; 6] = [
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "states.amazonaws.com",
    "events.amazonaws.com",
];
const AGENTS: [&str; 4] = [
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0 md/GOOS#linux md/GOARCH#amd64 api/s3#1.51.1",
    "Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#5.10.209 md/arch#x86_64 lang/python#3.11.8",
    "aws-cli/2.15.24 md/awscrt#0.19.19 ua/2.0 os/macos#23.3.0 md/arch#arm64 lang/python#3.11.8",
    "console.amazonaws.com",
];

fn account(index: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + index as u64 * 7_919_191)
}

fn role_arn(rng: &mut Rng, account: &str) -> String {
    format!(
        "arn:aws:iam::{account}:role/team-{}-{}",
        rng.below(30),
        ["deploy", "read", "admin", "etl", "ci"][rng.below(5) as usize]
    )
}

struct FileSpec {
    index: usize,
    records: usize,
}

/// Writes a corpus of about `records` records under `out`.
pub fn write(out: &Path, records: u64, seed: u64) -> Result<String, Box<dyn std::error::Error>> {
    let mut rng = Rng(seed);
    let mut specs = Vec::new();
    let mut total = 0u64;
    while total < records {
        let u = rng.below(1000) as f64 / 1000.0;
        let size = (10.0 + u * u * 1990.0) as u64;
        let size = size.min(records - total).max(1);
        specs.push(FileSpec {
            index: specs.len(),
            records: size as usize,
        });
        total += size;
    }
    let results: Vec<std::io::Result<(u64, u64)>> = specs
        .par_iter()
        .map(|spec| write_file(out, spec, seed))
        .collect();
    let (mut json_bytes, mut gz_bytes) = (0, 0);
    for result in results {
        let (json, gz) = result?;
        json_bytes += json;
        gz_bytes += gz;
    }
    Ok(format!(
        "wrote {} files, {total} records, {:.1} MB of JSON, {:.1} MB gzipped, under {}",
        specs.len(),
        json_bytes as f64 / 1e6,
        gz_bytes as f64 / 1e6,
        out.display()
    ))
}

fn write_file(out: &Path, spec: &FileSpec, seed: u64) -> std::io::Result<(u64, u64)> {
    let mut rng = Rng(mix(seed ^ mix(spec.index as u64 + 1)));
    let home = account(spec.index % ACCOUNTS);
    let region = REGIONS[(spec.index / ACCOUNTS) % REGIONS.len()];
    let day = 1 + (spec.index / (ACCOUNTS * REGIONS.len())) % 30;
    let hour = rng.below(24);
    let minute_base = rng.below(50);
    // Sessions issued earlier in this file, for chained calls: (role arn, session, key, time).
    let mut sessions: Vec<(String, String, String, String)> = Vec::new();
    let mut body = String::with_capacity(spec.records * 1400 + 16);
    body.push_str("{\"Records\":[");
    for n in 0..spec.records {
        if n > 0 {
            body.push(',');
        }
        // The file's hour of records, in order: the clock rolls over into the next hour (and
        // day) rather than wrapping back, so no session calls before it was created.
        let second = (n * 3600 / spec.records.max(1)) as u64;
        let (d, h, m, s) = clock(day, hour * 3600 + minute_base * 60 + second);
        let time = format!("2024-03-{d:02}T{h:02}:{m:02}:{s:02}Z");
        let roll = rng.below(1000);
        let record = if roll < 70 {
            role_event(&mut rng, &home, region, &time, roll, &mut sessions)
        } else if roll < 80 {
            mentions_assume_role(&mut rng, &home, region, &time)
        } else {
            ordinary(&mut rng, &home, region, &time, &sessions)
        };
        body.push_str(&record.to_string());
    }
    body.push_str("]}");
    // Delivered five minutes after the file's last record.
    let (d, h, m, _) = clock(day, hour * 3600 + minute_base * 60 + 3600 + 300);
    let stamp = format!("202403{d:02}T{h:02}{m:02}Z");
    let path = delivery_path(out, "o-bench00001", &home, region, &stamp, &rng.alnum(16));
    let gz = write_gz(&path, body.as_bytes(), 6)?;
    Ok((body.len() as u64, gz))
}

/// (day of March 2024, hour, minute, second) at `seconds` after midnight of `day`, rolling
/// into the next days.
fn clock(day: usize, seconds: u64) -> (u64, u64, u64, u64) {
    let (day, seconds) = (day as u64 + seconds / 86_400, seconds % 86_400);
    (day, seconds / 3600, seconds / 60 % 60, seconds % 60)
}

fn common<'a>(
    time: &'a str,
    source: &'a str,
    name: &'a str,
    region: &'a str,
    ip: &'a str,
    agent: &'a str,
    recipient: &'a str,
) -> Common<'a> {
    Common {
        time,
        source,
        name,
        region,
        ip,
        agent,
        recipient,
    }
}

fn tls() -> (&'static str, Value) {
    (
        "tlsDetails",
        json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "sts.amazonaws.com"}),
    )
}

fn role_event(
    rng: &mut Rng,
    home: &str,
    region: &str,
    time: &str,
    roll: u64,
    sessions: &mut Vec<(String, String, String, String)>,
) -> Value {
    let event_id = rng.uuid();
    let key = rng.access_key("ASIA");
    let ip = format!("198.51.{}.{}", rng.below(256), rng.below(256));
    let agent = *rng.pick(&AGENTS);
    match roll {
        // AWS services wearing their roles.
        0..=27 => {
            let service = *rng.pick(&SERVICES);
            let role = role_arn(rng, home);
            let session = format!("i-{:017x}", rng.next() >> 4);
            sessions.push((role.clone(), session.clone(), key.clone(), time.to_owned()));
            let c = common(
                time,
                "sts.amazonaws.com",
                "AssumeRole",
                region,
                service,
                service,
                home,
            );
            record(
                &c,
                service_identity(service),
                assume_request(&role, &session),
                assume_response(&role, &session, &key, false),
                &event_id,
                &[
                    ("resources", sts_resources(&role)),
                    ("sharedEventID", json!(rng.uuid())),
                ],
            )
        }
        // Users assuming roles, often in another account.
        28..=41 => {
            let user_name = format!("user{}", rng.below(200));
            let target = account(rng.below(ACCOUNTS as u64) as usize);
            let role = role_arn(rng, &target);
            let session = format!("{user_name}-{}", rng.below(100));
            sessions.push((role.clone(), session.clone(), key.clone(), time.to_owned()));
            let caller_key = format!("AKIA{}", rng.alnum(16));
            let c = common(
                time,
                "sts.amazonaws.com",
                "AssumeRole",
                region,
                &ip,
                agent,
                home,
            );
            let mut extra = vec![("resources", sts_resources(&role)), tls()];
            if target != home {
                extra.push(("sharedEventID", json!(rng.uuid())));
            }
            record(
                &c,
                iam_user(home, &user_name, &caller_key),
                assume_request(&role, &session),
                assume_response(&role, &session, &key, true),
                &event_id,
                &extra,
            )
        }
        // Chained: a session issued earlier in this file assumes another role.
        42..=55 if !sessions.is_empty() => {
            let (parent_role, parent_session, parent_key, created) =
                sessions[rng.below(sessions.len() as u64) as usize].clone();
            let (parent_account, parent_name) = split_role(&parent_role);
            let target = account(rng.below(ACCOUNTS as u64) as usize);
            let role = role_arn(rng, &target);
            let session = format!("hop-{}", rng.below(1000));
            let identity = session_identity(
                parent_account,
                parent_name,
                &parent_session,
                &parent_key,
                &created,
            );
            sessions.push((role.clone(), session.clone(), key.clone(), time.to_owned()));
            let c = common(
                time,
                "sts.amazonaws.com",
                "AssumeRole",
                region,
                &ip,
                agent,
                parent_account,
            );
            record(
                &c,
                identity,
                assume_request(&role, &session),
                assume_response(&role, &session, &key, true),
                &event_id,
                &[("resources", sts_resources(&role)), tls()],
            )
        }
        // OIDC federation (GitHub Actions).
        56..=61 => {
            let provider =
                format!("arn:aws:iam::{home}:oidc-provider/token.actions.githubusercontent.com");
            let subject = format!(
                "repo:bench-org/service-{}:ref:refs/heads/main",
                rng.below(40)
            );
            let role = role_arn(rng, home);
            let c = common(
                time,
                "sts.amazonaws.com",
                "AssumeRoleWithWebIdentity",
                region,
                &ip,
                agent,
                home,
            );
            let identity = json!({"type": "WebIdentityUser", "principalId": format!("{provider}:sts.amazonaws.com:{subject}"), "userName": subject, "identityProvider": provider});
            let response = json!({"credentials": credentials(&key, "Mar 1, 2024, 1:00:00 PM"), "subjectFromWebIdentityToken": subject, "provider": provider, "audience": "sts.amazonaws.com"});
            record(
                &c,
                identity,
                assume_request(&role, "GitHubActions"),
                response,
                &event_id,
                &[("resources", sts_resources(&role)), tls()],
            )
        }
        // Console SwitchRole.
        62..=64 => {
            let user_name = format!("user{}", rng.below(200));
            let role = role_arn(rng, home);
            let (_, name) = split_role(&role);
            json!({
                "eventVersion": "1.08",
                "userIdentity": {"type": "AssumedRole", "principalId": format!("AROA{}:{user_name}", rng.alnum(17)), "arn": format!("arn:aws:sts::{home}:assumed-role/{name}/{user_name}"), "accountId": home},
                "eventTime": time, "eventSource": "signin.amazonaws.com", "eventName": "SwitchRole", "awsRegion": region,
                "sourceIPAddress": ip, "userAgent": AGENTS[3], "requestParameters": null, "responseElements": {"SwitchRole": "Success"},
                "additionalEventData": {"SwitchFrom": format!("arn:aws:iam::{}:user/{user_name}", account(0)), "RedirectTo": "https://console.aws.amazon.com/console/home"},
                "eventID": event_id, "readOnly": false, "eventType": "AwsConsoleSignIn", "managementEvent": true, "eventCategory": "Management", "recipientAccountId": home,
            })
        }
        // Refused.
        _ => {
            let user_name = format!("user{}", rng.below(200));
            let target = account(rng.below(ACCOUNTS as u64) as usize);
            let role = role_arn(rng, &target);
            let c = common(
                time,
                "sts.amazonaws.com",
                "AssumeRole",
                region,
                &ip,
                agent,
                home,
            );
            let message = format!(
                "User: arn:aws:iam::{home}:user/{user_name} is not authorized to perform: sts:AssumeRole on resource: {role}"
            );
            record(
                &c,
                iam_user(home, &user_name, &format!("AKIA{}", rng.alnum(16))),
                Value::Null,
                Value::Null,
                &event_id,
                &[
                    ("errorCode", json!("AccessDenied")),
                    ("errorMessage", json!(message)),
                    tls(),
                ],
            )
        }
    }
}

/// An ordinary call whose parameters mention AssumeRole (a trust policy, a LookupEvents query).
fn mentions_assume_role(rng: &mut Rng, home: &str, region: &str, time: &str) -> Value {
    let event_id = rng.uuid();
    let user = iam_user(
        home,
        &format!("user{}", rng.below(200)),
        &format!("AKIA{}", rng.alnum(16)),
    );
    if rng.below(2) == 0 {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let c = common(
            time,
            "iam.amazonaws.com",
            "CreateRole",
            region,
            "198.51.100.7",
            AGENTS[2],
            home,
        );
        record(
            &c,
            user,
            json!({"roleName": format!("fn-{}", rng.below(1000)), "assumeRolePolicyDocument": policy}),
            json!({"role": {"path": "/", "roleName": "fn"}}),
            &event_id,
            &[tls()],
        )
    } else {
        let c = common(
            time,
            "cloudtrail.amazonaws.com",
            "LookupEvents",
            region,
            "198.51.100.9",
            AGENTS[2],
            home,
        );
        record(
            &c,
            user,
            json!({"lookupAttributes": [{"attributeKey": "EventName", "attributeValue": "AssumeRoleWithWebIdentity"}], "maxResults": 50}),
            Value::Null,
            &event_id,
            &[tls()],
        )
    }
}

fn ordinary(
    rng: &mut Rng,
    home: &str,
    region: &str,
    time: &str,
    sessions: &[(String, String, String, String)],
) -> Value {
    let event_id = rng.uuid();
    let identity = match sessions.len() {
        0 => iam_user(
            home,
            &format!("user{}", rng.below(200)),
            &format!("AKIA{}", rng.alnum(16)),
        ),
        n => {
            let (role, session, key, created) = &sessions[rng.below(n as u64) as usize];
            let (account, name) = split_role(role);
            session_identity(account, name, session, key, created)
        }
    };
    let bucket = format!("data-{home}-{}", rng.below(50));
    let (source, name, request) = match rng.below(6) {
        0 => (
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": bucket, "key": format!("exports/2024/03/part-{:05}.parquet", rng.below(99999)), "Host": format!("{bucket}.s3.{region}.amazonaws.com")}),
        ),
        1 => (
            "ec2.amazonaws.com",
            "DescribeInstances",
            json!({"instancesSet": {"items": [{"instanceId": format!("i-{:017x}", rng.next() >> 4)}]}, "filterSet": {}}),
        ),
        2 => (
            "kms.amazonaws.com",
            "Decrypt",
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"aws:lambda:FunctionArn": format!("arn:aws:lambda:{region}:{home}:function:worker-{}", rng.below(100))}}),
        ),
        3 => (
            "dynamodb.amazonaws.com",
            "DescribeTable",
            json!({"tableName": format!("orders-{}", rng.below(20))}),
        ),
        4 => (
            "logs.amazonaws.com",
            "CreateLogStream",
            json!({"logGroupName": format!("/aws/lambda/worker-{}", rng.below(100)), "logStreamName": format!("2024/03/01/[$LATEST]{:032x}", rng.next())}),
        ),
        _ => (
            "ssm.amazonaws.com",
            "GetParameter",
            json!({"name": format!("/config/service-{}/db-url", rng.below(40)), "withDecryption": true}),
        ),
    };
    let c = common(
        time,
        source,
        name,
        region,
        "10.0.1.17",
        AGENTS[rng.below(3) as usize],
        home,
    );
    let tls = json!({"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256", "clientProvidedHostHeader": format!("{}.{region}.amazonaws.com", source.trim_end_matches(".amazonaws.com"))});
    let extra: Vec<(&str, Value)> = if source == "s3.amazonaws.com" {
        vec![
            (
                "resources",
                json!([{"accountId": home, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}]),
            ),
            ("tlsDetails", tls),
            (
                "additionalEventData",
                json!({"SignatureVersion": "SigV4", "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader", "bytesTransferredOut": rng.below(1_000_000)}),
            ),
        ]
    } else {
        vec![("tlsDetails", tls)]
    };
    record(&c, identity, request, Value::Null, &event_id, &extra)
}
