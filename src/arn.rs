//! ARN parsing and the small conversions between role, session and account names.
//!
//! CloudTrail names principals by ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`). An
//! assumed-role session `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` drops the role's path,
//! so converting a session back to its role gives the role's name without its path.

/// A borrowed, split ARN. Parsing never fails on a string that has the six parts; anything
/// else is not an ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// The partition of a Region (`cn-north-1`: `aws-cn`; `us-gov-west-1`: `aws-us-gov`; the
/// isolated and sovereign partitions by their Regions' prefixes; any other, or none: `aws`).
pub fn partition_of_region(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 7] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |&(_, partition)| partition)
}

/// What kind of principal an ARN names, by its resource: the one place principals are told
/// apart by ARN (callers map it onto their own kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// `root`: an account's root user.
    Root,
    /// `user/…`: an IAM user.
    User,
    /// `assumed-role/ROLE/SESSION`: a role session.
    Session,
    /// `federated-user/…`: a `GetFederationToken` user.
    FederatedUser,
    /// Anything else.
    Other,
}

impl<'a> Arn<'a> {
    /// The kind of principal this ARN names.
    pub fn principal(&self) -> Principal {
        let resource = self.resource;
        if resource == "root" {
            Principal::Root
        } else if resource.starts_with("user/") {
            Principal::User
        } else if resource.starts_with("assumed-role/") {
            Principal::Session
        } else if resource.starts_with("federated-user/") {
            Principal::FederatedUser
        } else {
            Principal::Other
        }
    }

    /// Splits `text` into its parts, or `None` when it is not an ARN.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let rest = text.strip_prefix("arn:")?;
        // The first four colons end the four short parts; the resource keeps any others.
        // A plain loop: the parts are a few bytes each, too short for `memchr` to pay its setup.
        let mut colons = [0; 4];
        let mut found = 0;
        for (at, &byte) in rest.as_bytes().iter().enumerate() {
            if byte == b':' {
                colons[found] = at;
                found += 1;
                if found == colons.len() {
                    break;
                }
            }
        }
        let [partition, service, region, account] = colons;
        (found == colons.len()).then(|| Arn {
            partition: &rest[..partition],
            service: &rest[partition + 1..service],
            region: &rest[service + 1..region],
            account: &rest[region + 1..account],
            resource: &rest[account + 1..],
        })
    }

    /// The account id, when the ARN has one (an S3 bucket's, for one, has none).
    pub fn known_account(&self) -> Option<&'a str> {
        Some(self.account).filter(|account| !account.is_empty())
    }
}

/// The account id in an ARN, when there is one.
pub fn account_of(arn: &str) -> Option<&str> {
    Arn::parse(arn)?.known_account()
}

/// The role's name: the last segment of `arn:…:role/path/NAME`, or the role segment of an
/// assumed-role session ARN.
pub fn role_name(arn: &str) -> Option<&str> {
    let parsed = Arn::parse(arn)?;
    if let Some(path_and_name) = parsed.resource.strip_prefix("role/") {
        return last_segment(path_and_name);
    }
    if let Some(rest) = parsed.resource.strip_prefix("assumed-role/") {
        return first_segment(rest);
    }
    None
}

/// A role's path and name (`Audit/SecurityAudit`, or the name alone for a role without a
/// path) from its ARN; `None` for anything but a role's ARN.
pub fn role_path_and_name(arn: &str) -> Option<&str> {
    Arn::parse(arn)?
        .resource
        .strip_prefix("role/")
        .filter(|rest| !rest.is_empty())
}

/// A role's name from the `path/NAME` after `role/`.
fn last_segment(path_and_name: &str) -> Option<&str> {
    let start = path_and_name
        .bytes()
        .rposition(|b| b == b'/')
        .map_or(0, |slash| slash + 1);
    Some(&path_and_name[start..]).filter(|n| !n.is_empty())
}

/// The role's name from the `ROLE/SESSION` after `assumed-role/`.
fn first_segment(role_and_session: &str) -> Option<&str> {
    let end = role_and_session
        .bytes()
        .position(|b| b == b'/')
        .unwrap_or(role_and_session.len());
    Some(&role_and_session[..end]).filter(|n| !n.is_empty())
}

/// For a session `arn:P:sts::A:assumed-role/ROLE/SESSION`, the role `arn:P:iam::A:role/ROLE`.
pub fn role_of_session(session_arn: &str) -> Option<String> {
    let parsed = Arn::parse(session_arn)?;
    let rest = parsed.resource.strip_prefix("assumed-role/")?;
    let role = first_segment(rest)?;
    Some(format!(
        "arn:{}:iam::{}:role/{}",
        parsed.partition, parsed.account, role
    ))
}

/// The session name of an assumed-role session ARN (everything after the role name).
pub fn session_name_of(session_arn: &str) -> Option<&str> {
    let parsed = Arn::parse(session_arn)?;
    let rest = parsed.resource.strip_prefix("assumed-role/")?;
    let slash = rest.bytes().position(|b| b == b'/')?;
    Some(&rest[slash + 1..])
}

/// The session ARN STS gives when `role_arn` is assumed with `session_name`.
pub fn session_of_role(role_arn: &str, session_name: &str) -> Option<String> {
    let parsed = Arn::parse(role_arn)?;
    let name = last_segment(parsed.resource.strip_prefix("role/")?)?;
    if session_name.is_empty() {
        return None;
    }
    // Joined into one buffer of the right size: this runs for every event, and `format!`
    // costs several times as much.
    Some(
        [
            "arn:",
            parsed.partition,
            ":sts::",
            parsed.account,
            ":assumed-role/",
            name,
            "/",
            session_name,
        ]
        .concat(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regions_partition_is_named_by_its_prefix() {
        let partitions: Vec<&str> = [
            "us-east-1",
            "cn-northwest-1",
            "us-gov-east-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "us-isof-south-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
            "",
        ]
        .into_iter()
        .map(partition_of_region)
        .collect();
        assert_eq!(
            partitions,
            [
                "aws",
                "aws-cn",
                "aws-us-gov",
                "aws-iso",
                "aws-iso-b",
                "aws-iso-f",
                "aws-iso-e",
                "aws-eusc",
                "aws"
            ]
        );
    }

    #[test]
    fn parses_role_with_path() {
        let arn = "arn:aws:iam::111122223333:role/service-role/Deploy";
        assert_eq!(account_of(arn), Some("111122223333"));
        assert_eq!(role_name(arn), Some("Deploy"));
        assert_eq!(role_path_and_name(arn), Some("service-role/Deploy"));
        assert_eq!(
            role_path_and_name("arn:aws:iam::1:role/Deploy"),
            Some("Deploy")
        );
        assert_eq!(role_path_and_name("arn:aws:iam::1:role/"), None);
        assert_eq!(role_path_and_name("arn:aws:iam::1:user/a/b"), None);
        assert_eq!(
            session_of_role(arn, "i-0abc").as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/Deploy/i-0abc")
        );
    }

    #[test]
    fn converts_session_to_role() {
        let session =
            "arn:aws-cn:sts::000000000000:assumed-role/スイッチ先ロール名/セッション名(ユーザー名)";
        assert_eq!(
            role_of_session(session).as_deref(),
            Some("arn:aws-cn:iam::000000000000:role/スイッチ先ロール名")
        );
        assert_eq!(session_name_of(session), Some("セッション名(ユーザー名)"));
        assert_eq!(role_name(session), Some("スイッチ先ロール名"));
    }

    #[test]
    fn splits_at_the_first_four_colons() {
        assert_eq!(
            Arn::parse("arn:aws:s3:::bucket:with:colons"),
            Some(Arn {
                partition: "aws",
                service: "s3",
                region: "",
                account: "",
                resource: "bucket:with:colons",
            })
        );
        assert_eq!(Arn::parse("arn:::::").map(|a| a.resource), Some(""));
    }

    #[test]
    fn rejects_non_arns() {
        assert_eq!(Arn::parse("ec2.amazonaws.com"), None);
        assert_eq!(Arn::parse("arn"), None);
        assert_eq!(Arn::parse("arn:aws:iam::1"), None);
        assert_eq!(Arn::parse("arnx:aws:iam::1:role/r"), None);
        assert_eq!(account_of("arn:aws:iam:"), None);
        assert_eq!(role_of_session("arn:aws:iam::1:user/x"), None);
        assert_eq!(session_of_role("arn:aws:iam::1:user/x", "s"), None);
    }

    proptest::proptest! {
        /// The byte scans answer as `str`'s splitting does, on any text made of the bytes
        /// that matter (`:`, `/`, letters, and a character longer than a byte).
        #[test]
        fn byte_scans_split_as_str_does(text in "(arn:)?[a:/é]{0,12}(role/|assumed-role/)?[a:/é]{0,12}") {
            let reference = text.strip_prefix("arn:").and_then(|rest| {
                let parts: Vec<&str> = rest.splitn(5, ':').collect();
                (parts.len() == 5).then(|| (parts[0], parts[1], parts[2], parts[3], parts[4]))
            });
            let parsed = Arn::parse(&text)
                .map(|a| (a.partition, a.service, a.region, a.account, a.resource));
            proptest::prop_assert_eq!(parsed, reference);
            let resource = reference.map_or("", |r| r.4);
            if let Some(path) = resource.strip_prefix("role/") {
                proptest::prop_assert_eq!(
                    last_segment(path),
                    path.rsplit('/').next().filter(|n| !n.is_empty())
                );
            }
            if let Some(rest) = resource.strip_prefix("assumed-role/") {
                proptest::prop_assert_eq!(
                    first_segment(rest),
                    rest.split('/').next().filter(|n| !n.is_empty())
                );
                proptest::prop_assert_eq!(
                    session_name_of(&text),
                    rest.split_once('/').map(|(_, session)| session)
                );
            }
        }
    }
}
