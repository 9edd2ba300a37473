//! Bearer tokens: a valid token identifies its caller; every invalid one gets
//! the same UNAUTHENTICATED answer, saying nothing about why.

use alliance_api::auth::Role;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tests::{AUDIENCE, ISSUER, TEST_SECRET, fixture, spawn_app};

const CONTACT: &str = r#"{ member(slug: "kharkiv") { contact { email } } draft: project(code: "UA-KHA-2026-003") { code } }"#;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({ "sub": "tester", "exp": now() + 600, "iss": ISSUER, "aud": AUDIENCE, "role": "coordinator" })
}

fn sign(header: Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

fn hs(claims: &Value) -> String {
    sign(
        Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().map(|o| o.remove(key));
    base
}

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture")
}

fn kid(alg: Algorithm, kid: &str) -> Header {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    header
}

#[tokio::test]
async fn valid_tokens_of_every_accepted_kind_identify_the_caller() {
    let app = spawn_app("sqlite", true).await;
    let rsa = EncodingKey::from_rsa_pem(&pem("test-rsa-private.pem")).expect("rsa");
    let ed = EncodingKey::from_ed_pem(&pem("test-ed25519-private.pem")).expect("ed");
    for token in [
        hs(&claims()),
        sign(kid(Algorithm::RS256, "test-rsa"), &claims(), &rsa),
        sign(kid(Algorithm::EdDSA, "test-ed25519"), &claims(), &ed),
        app.token(Role::Coordinator, None),
    ] {
        let (status, body) = app.graphql_as(Some(&token), CONTACT, json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body["data"]["member"]["contact"]["email"].is_string(),
            "a coordinator sees contacts: {body}"
        );
        assert_eq!(
            body["data"]["draft"]["code"], "UA-KHA-2026-003",
            "and drafts: {body}"
        );
    }
    // An editor sees its own organisation's contact and drafts, not others'.
    let editor = app.token(Role::Editor, Some("kharkiv-oblast"));
    let (_, body) = app
        .graphql_as(Some(&editor), r#"{ own: member(slug: "kharkiv-oblast") { contact { email } } other: member(slug: "kharkiv") { contact { email } } draft: project(code: "UA-KHA-2026-003") { code } }"#, json!({}))
        .await;
    assert!(
        body["data"]["own"]["contact"]["email"].is_string(),
        "{body}"
    );
    assert!(body["data"]["other"]["contact"].is_null(), "{body}");
    assert_eq!(body["data"]["draft"]["code"], "UA-KHA-2026-003");
    app.finish().await;
}

#[tokio::test]
async fn every_invalid_token_gets_the_same_unauthenticated_answer() {
    let app = spawn_app("sqlite", true).await;
    let secret = EncodingKey::from_secret(TEST_SECRET.as_bytes());
    let wrong_secret = EncodingKey::from_secret(b"another-secret-another-secret-another-secret");
    let rsa = EncodingKey::from_rsa_pem(&pem("test-rsa-private.pem")).expect("rsa");
    let other_rsa = EncodingKey::from_rsa_pem(&pem("test-rsa-other-private.pem")).expect("rsa");
    let ed = EncodingKey::from_ed_pem(&pem("test-ed25519-private.pem")).expect("ed");
    let valid = hs(&claims());
    let parts: Vec<&str> = valid.split('.').collect();
    let swapped_payload = {
        let admin = URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&with(claims(), "role", json!("admin"))).expect("json"));
        format!("{}.{admin}.{}", parts[0], parts[2])
    };
    let unsigned = {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        format!("{header}.{}.", parts[1])
    };
    let variants: Vec<(&str, String)> = vec![
        ("no signature (alg none)", unsigned),
        ("signature stripped", format!("{}.{}.", parts[0], parts[1])),
        (
            "wrong HS256 secret",
            sign(Header::new(Algorithm::HS256), &claims(), &wrong_secret),
        ),
        (
            "other HMAC algorithm",
            sign(Header::new(Algorithm::HS512), &claims(), &secret),
        ),
        ("swapped payload", swapped_payload),
        (
            "expired beyond leeway",
            hs(&with(claims(), "exp", json!(now() - 120))),
        ),
        (
            "exp as a string",
            hs(&with(claims(), "exp", json!((now() + 600).to_string()))),
        ),
        ("missing exp", hs(&without(claims(), "exp"))),
        ("missing iss", hs(&without(claims(), "iss"))),
        ("missing aud", hs(&without(claims(), "aud"))),
        ("missing sub", hs(&without(claims(), "sub"))),
        ("empty sub", hs(&with(claims(), "sub", json!("")))),
        (
            "wrong iss",
            hs(&with(claims(), "iss", json!("someone-else"))),
        ),
        (
            "wrong aud",
            hs(&with(claims(), "aud", json!("another-api"))),
        ),
        (
            "not yet valid",
            hs(&with(claims(), "nbf", json!(now() + 3600))),
        ),
        (
            "unknown role",
            hs(&with(claims(), "role", json!("superuser"))),
        ),
        (
            "editor of an unknown member",
            hs(&with(
                with(claims(), "role", json!("editor")),
                "member",
                json!("nobody"),
            )),
        ),
        (
            "editor without member",
            hs(&with(claims(), "role", json!("editor"))),
        ),
        (
            "unknown kid",
            sign(kid(Algorithm::RS256, "nope"), &claims(), &rsa),
        ),
        (
            "RSA key not in the JWKS",
            sign(kid(Algorithm::RS256, "test-rsa"), &claims(), &other_rsa),
        ),
        (
            "kid of the RSA key with EdDSA",
            sign(kid(Algorithm::EdDSA, "test-rsa"), &claims(), &ed),
        ),
        (
            "kid of the Ed25519 key with RS256",
            sign(kid(Algorithm::RS256, "test-ed25519"), &claims(), &rsa),
        ),
        (
            "RS256 without kid",
            sign(Header::new(Algorithm::RS256), &claims(), &rsa),
        ),
        (
            "HS256 signed with the JWKS public key as secret",
            sign(kid(Algorithm::HS256, "test-rsa"), &claims(), &secret),
        ),
        (
            "oversized",
            hs(&with(claims(), "pad", json!("x".repeat(20_000)))),
        ),
        ("not a JWT", "hello".to_owned()),
        ("garbage segments", "a.b.c".to_owned()),
        ("empty", String::new()),
    ];
    assert!(variants.len() >= 20);
    let mut answers = std::collections::HashSet::new();
    for (name, token) in &variants {
        let (status, body) = app.graphql_as(Some(token), CONTACT, json!({})).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{name}: {body}"
        );
        assert!(body.get("data").is_none(), "{name}: nothing runs");
        let text = body.to_string().to_lowercase();
        for leak in [
            "hs256",
            "rs256",
            "eddsa",
            "kid",
            "signature",
            "expired",
            "secret",
            "key",
        ] {
            assert!(!text.contains(leak), "{name}: leaked {leak:?}: {body}");
        }
        // The request id differs by design; the rest must be the same.
        let mut same = body.clone();
        if let Some(extensions) = same["errors"][0]["extensions"].as_object_mut() {
            assert!(extensions.remove("requestId").is_some(), "{name}: {body}");
        }
        answers.insert(same.to_string());
    }
    assert_eq!(
        answers.len(),
        1,
        "every failure looks the same: {answers:?}"
    );
    // A scheme other than Bearer is refused too, not ignored.
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header("Authorization", format!("Basic {valid}"))
        .json(&json!({ "query": CONTACT }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 401);
    app.finish().await;
}
