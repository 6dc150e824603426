//! The CloudTrail record as trailmask reads it: the fields it uses, declared once. The one
//! declaration ([`crate::json::schema!`]) gives both readers: serde's, which reads every record
//! and words every error, and the hand reader of the fast path, which serde backs up. Adding a
//! field is one line here.

use crate::json::{Obj, RawObj, Text, schema};

/// Reads one record's JSON by hand, or `None` when serde must read it (see
/// [`crate::json::read_object`]).
pub(crate) fn read_record(text: &str) -> Option<Record<'_>> {
    crate::json::read_object(text)
}

/// [`read_record`] for [`CallRecord`]: the few fields of an ordinary call, passing over the
/// values it does not read without checking them (`activity` reads ~90% of a trail's records,
/// where the other commands parse a few percent). A record malformed only inside those values
/// is read, where serde would refuse it (see [`crate::json::skim_object`]); the fields read
/// are read and checked as [`read_record`] reads them.
pub(crate) fn read_call(text: &str) -> Option<CallRecord<'_>> {
    crate::json::skim_object(text)
}

/// [`read_call`] with `userIdentity` kept as its text ([`CallHead`]): a session's calls
/// repeat it word for word, and [`super::calls`] reads each text once.
pub(crate) fn read_call_head(text: &str) -> Option<CallHead<'_>> {
    crate::json::skim_object(text)
}

/// [`read_call`] of a `userIdentity` on its own (the text [`CallHead`] kept).
pub(crate) fn read_caller(text: &str) -> Option<CallerIdentity<'_>> {
    crate::json::skim_object(text)
}

schema! {
    /// One CloudTrail record, as far as trailmask reads it.
    Record<'a> {
        "eventTime" => event_time: Text<'a>,
        "@timestamp" => logstash_timestamp: Text<'a>,
        "eventSource" => event_source: Text<'a>,
        "eventName" => event_name: Text<'a>,
        "eventType" => event_type: Text<'a>,
        "awsRegion" => aws_region: Text<'a>,
        "sourceIPAddress" => source_ip_address: Text<'a>,
        "userAgent" => user_agent: Text<'a>,
        "errorCode" => error_code: Text<'a>,
        "errorMessage" => error_message: Text<'a>,
        "readOnly" => read_only: Text<'a>,
        "eventID" => event_id: Text<'a>,
        "sharedEventID" => shared_event_id: Text<'a>,
        "recipientAccountId" => recipient_account_id: Text<'a>,
        "userIdentity" => user_identity: Obj<UserIdentity<'a>>,
        "requestParameters" => request_parameters: Obj<RequestParameters<'a>>,
        "responseElements" => response_elements: Obj<ResponseElements<'a>>,
        "additionalEventData" => additional_event_data: Obj<AdditionalEventData<'a>>,
    }
    /// `userIdentity`: who made the call.
    UserIdentity<'a> {
        "type" => kind: Text<'a>,
        "principalId" => principal_id: Text<'a>,
        "arn" => arn: Text<'a>,
        "accountId" => account_id: Text<'a>,
        "accessKeyId" => access_key_id: Text<'a>,
        "userName" => user_name: Text<'a>,
        "invokedBy" => invoked_by: Text<'a>,
        "identityProvider" => identity_provider: Text<'a>,
        "sessionContext" => session_context: Obj<SessionContext<'a>>,
    }
    /// `userIdentity.sessionContext`: the session a temporary-credential caller acts in.
    SessionContext<'a> {
        "attributes" => attributes: Obj<SessionAttributes<'a>>,
        "sessionIssuer" => session_issuer: Obj<SessionIssuer<'a>>,
        "sourceIdentity" => source_identity: Text<'a>,
        "assumedRoot" => assumed_root: Text<'a>,
    }
    /// `sessionContext.attributes`.
    SessionAttributes<'a> {
        "creationDate" => creation_date: Text<'a>,
        "mfaAuthenticated" => mfa_authenticated: Text<'a>,
    }
    /// `sessionContext.sessionIssuer`: the role (or user) that issued the caller's session.
    SessionIssuer<'a> {
        "type" => kind: Text<'a>,
        "principalId" => principal_id: Text<'a>,
        "arn" => arn: Text<'a>,
    }
    /// `requestParameters` of the STS calls.
    RequestParameters<'a> {
        "roleArn" => role_arn: Text<'a>,
        "roleSessionName" => role_session_name: Text<'a>,
        "principalArn" => principal_arn: Text<'a>,
        "sourceIdentity" => source_identity: Text<'a>,
        "name" => name: Text<'a>,
        "targetPrincipal" => target_principal: Text<'a>,
        "providerId" => provider_id: Text<'a>,
        "durationSeconds" => duration_seconds: Text<'a>,
    }
    /// `responseElements` of the STS calls (and console `SwitchRole`).
    ResponseElements<'a> {
        "credentials" => credentials: Obj<Credentials<'a>>,
        "assumedRoleUser" => assumed_role_user: Obj<AssumedUser<'a>>,
        "federatedUser" => federated_user: Obj<AssumedUser<'a>>,
        "subject" => subject: Text<'a>,
        "provider" => provider: Text<'a>,
        "subjectFromWebIdentityToken" => subject_from_web_identity_token: Text<'a>,
        "sourceIdentity" => source_identity: Text<'a>,
        "SwitchRole" => switch_role: Text<'a>,
    }
    /// `responseElements.credentials`.
    Credentials<'a> {
        "accessKeyId" => access_key_id: Text<'a>,
    }
    /// `responseElements.assumedRoleUser` and `responseElements.federatedUser`.
    AssumedUser<'a> {
        "arn" => arn: Text<'a>,
        "assumedRoleId" => assumed_role_id: Text<'a>,
    }
    /// `additionalEventData` of console sign-in events.
    AdditionalEventData<'a> {
        "SwitchFrom" => switch_from: Text<'a>,
    }
    /// An ordinary call, as `activity` reads it: what was called, by which session, with what
    /// outcome, from where. (Role assumptions are read as [`Record`]s.)
    CallRecord<'a> {
        "eventTime" => event_time: Text<'a>,
        "@timestamp" => logstash_timestamp: Text<'a>,
        "eventSource" => event_source: Text<'a>,
        "eventName" => event_name: Text<'a>,
        "errorCode" => error_code: Text<'a>,
        "readOnly" => read_only: Text<'a>,
        "sourceIPAddress" => source_ip_address: Text<'a>,
        "userAgent" => user_agent: Text<'a>,
        "eventID" => event_id: Text<'a>,
        "sharedEventID" => shared_event_id: Text<'a>,
        "recipientAccountId" => recipient_account_id: Text<'a>,
        "userIdentity" => user_identity: Obj<CallerIdentity<'a>>,
    }
    /// [`CallRecord`] with `userIdentity` not read: kept as its text.
    CallHead<'a> {
        "eventTime" => event_time: Text<'a>,
        "@timestamp" => logstash_timestamp: Text<'a>,
        "eventSource" => event_source: Text<'a>,
        "eventName" => event_name: Text<'a>,
        "errorCode" => error_code: Text<'a>,
        "readOnly" => read_only: Text<'a>,
        "sourceIPAddress" => source_ip_address: Text<'a>,
        "userAgent" => user_agent: Text<'a>,
        "eventID" => event_id: Text<'a>,
        "sharedEventID" => shared_event_id: Text<'a>,
        "recipientAccountId" => recipient_account_id: Text<'a>,
        "userIdentity" => user_identity: RawObj<'a>,
    }
    /// `userIdentity` of an ordinary call.
    CallerIdentity<'a> {
        "type" => kind: Text<'a>,
        "principalId" => principal_id: Text<'a>,
        "arn" => arn: Text<'a>,
        "accountId" => account_id: Text<'a>,
        "accessKeyId" => access_key_id: Text<'a>,
        "sessionContext" => session_context: Obj<SessionContext<'a>>,
    }
}

#[cfg(test)]
mod both_readers;

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn odd_types_do_not_cost_the_record() {
        let json = r#"{"eventName":"AssumeRole","eventTime":12,"readOnly":"x",
            "userIdentity":"not an object","requestParameters":null,
            "responseElements":{"credentials":[1,2],"subject":true}}"#;
        let record: Record = serde_json::from_str(json).unwrap();
        assert_eq!(record.event_name.as_str(), "AssumeRole");
        assert_eq!(record.event_time.as_str(), "12");
        assert!(record.user_identity.get().is_none());
        assert!(record.request_parameters.get().is_none());
        let response = record.response_elements.get().unwrap();
        assert!(response.credentials.get().is_none());
        assert_eq!(response.subject.as_str(), "true");
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let json = r#"{"eventName":"AssumeRole","userAgent":"a\"b"}"#;
        let record: Record = serde_json::from_str(json).unwrap();
        assert!(matches!(record.event_name.0, Some(Cow::Borrowed(_))));
        assert_eq!(record.user_agent.as_str(), "a\"b");
    }
}
