//! Each builtin evaluated through a real regorus engine, against values OPA
//! gives and published test vectors (NIST and RFC 1321 digests, RFC 2202
//! and RFC 4231 HMACs, RFC 7515 and RFC 7519 tokens).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value as Json, json};

use crate::engine::{EvalOptions, PolicySource, PreparedEngine};

fn key_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keys")
        .join(name);
    std::fs::read_to_string(path).expect("test key exists")
}

/// Evaluates `expression` in a rule; `None` when it is undefined. Long
/// strings (keys, tokens) go in `input.args`, since regorus rejects lines
/// longer than 1024 characters.
fn eval_input(expression: &str, args: &[String], strict: bool) -> Result<Option<Json>, String> {
    let text = format!("package t\n\nx := {expression}\n");
    let options = EvalOptions {
        strict_builtin_errors: strict,
        ..EvalOptions::default()
    };
    let engine = PreparedEngine::new(&[PolicySource::new("t.rego", text)], None, &options)
        .map_err(|error| error.message.clone())?;
    let input = crate::engine::to_engine_value(&json!({ "args": args }))
        .map_err(|error| error.message.clone())?;
    let evaluation = engine
        .evaluate(Some(&input), "data.t.x")
        .map_err(|error| error.message.clone())?;
    Ok(evaluation.value().cloned())
}

fn eval_with(expression: &str, strict: bool) -> Result<Option<Json>, String> {
    eval_input(expression, &[], strict)
}

/// Evaluates `expression`, where `$0`, `$1`... stand for `args`.
fn eval_args(expression: &str, args: &[String]) -> Json {
    let mut text = expression.to_string();
    for index in (0..args.len()).rev() {
        text = text.replace(&format!("${index}"), &format!("input.args[{index}]"));
    }
    eval_input(&text, args, false)
        .unwrap_or_else(|error| panic!("{expression}: {error}"))
        .unwrap_or_else(|| panic!("{expression} is undefined"))
}

fn eval(expression: &str) -> Json {
    eval_with(expression, false)
        .unwrap_or_else(|error| panic!("{expression}: {error}"))
        .unwrap_or_else(|| panic!("{expression} is undefined"))
}

/// A Rego string literal for `text`.
fn lit(text: &str) -> String {
    Json::String(text.to_string()).to_string()
}

#[test]
fn hashes_match_nist_and_rfc_1321_vectors() {
    assert_eq!(
        eval(r#"crypto.md5("abc")"#),
        json!("900150983cd24fb0d6963f7d28e17f72")
    );
    assert_eq!(
        eval(r#"crypto.sha1("abc")"#),
        json!("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
    assert_eq!(
        eval(r#"crypto.sha256("abc")"#),
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
}

#[test]
fn hmacs_match_rfc_2202_and_4231_vectors() {
    let data = r#""what do ya want for nothing?""#;
    assert_eq!(
        eval(&format!(r#"crypto.hmac.md5({data}, "Jefe")"#)),
        json!("750c783e6ab0b503eaa86e310a5db738")
    );
    assert_eq!(
        eval(&format!(r#"crypto.hmac.sha1({data}, "Jefe")"#)),
        json!("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    );
    assert_eq!(
        eval(&format!(r#"crypto.hmac.sha256({data}, "Jefe")"#)),
        json!("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
    assert_eq!(
        eval(&format!(r#"crypto.hmac.sha512({data}, "Jefe")"#)),
        json!(
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        )
    );
    assert_eq!(eval(r#"crypto.hmac.equal("abc", "abc")"#), json!(true));
    assert_eq!(eval(r#"crypto.hmac.equal("abc", "abd")"#), json!(false));
}

#[test]
fn a_wrong_argument_type_is_undefined_or_an_error_in_strict_mode() {
    assert_eq!(eval_with("crypto.sha256(1)", false), Ok(None));
    let error = eval_with("crypto.sha256(1)", true).unwrap_err();
    assert!(
        error.contains("crypto.sha256: operand 1 must be string but got number"),
        "{error}"
    );
    let error = eval_with(
        r#"io.jwt.decode_verify("a.b.c", {"secret": "s", "colour": 1})"#,
        true,
    )
    .unwrap_err();
    assert!(
        error.contains("unknown token validation constraint: colour"),
        "{error}"
    );
}

#[test]
fn http_send_fails_with_a_plain_offline_message_even_when_not_strict() {
    let error = eval_with(
        r#"http.send({"method": "get", "url": "http://127.0.0.1:1"})"#,
        false,
    )
    .unwrap_err();
    assert!(error.contains("works offline"), "{error}");
    assert!(error.contains("http.send"), "{error}");
}

// RFC 7515 appendix A.1 (also RFC 7519 section 3.1): an HS256 token.
const RFC_HEADER: &str = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
const RFC_PAYLOAD: &str =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
const RFC_KEY: &str = r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
const RFC_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

#[test]
fn encode_sign_raw_reproduces_the_rfc_7515_token() {
    let expression = format!(
        "io.jwt.encode_sign_raw({}, {}, {})",
        lit(RFC_HEADER),
        lit(RFC_PAYLOAD),
        lit(RFC_KEY)
    );
    assert_eq!(eval(&expression), json!(RFC_TOKEN));
}

#[test]
fn decode_returns_header_payload_and_hex_signature() {
    let decoded = eval_args("io.jwt.decode($0)", &[RFC_TOKEN.to_string()]);
    assert_eq!(decoded[0], json!({"typ": "JWT", "alg": "HS256"}));
    assert_eq!(
        decoded[1],
        json!({"iss": "joe", "exp": 1300819380, "http://example.com/is_root": true})
    );
    // The signature bytes listed in RFC 7515 appendix A.1 (116, 24, 223, ...).
    assert_eq!(
        decoded[2],
        json!("7418dfb49799e0254ffa607dd8adbbba16d4254d69d6bff05b58055853848d79")
    );
    assert_eq!(
        eval_with(r#"io.jwt.decode("not-a-token")"#, false),
        Ok(None)
    );
}

// The HS256 example token of jwt.io, signed with "your-256-bit-secret".
const JWT_IO_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

#[test]
fn verify_hs256_accepts_the_right_secret_only() {
    let token = lit(JWT_IO_TOKEN);
    assert_eq!(
        eval(&format!(
            r#"io.jwt.verify_hs256({token}, "your-256-bit-secret")"#
        )),
        json!(true)
    );
    assert_eq!(
        eval(&format!(
            r#"io.jwt.verify_hs256({token}, "another-secret")"#
        )),
        json!(false)
    );
    assert_eq!(
        eval(&format!(
            r#"io.jwt.verify_hs384({token}, "your-256-bit-secret")"#
        )),
        json!(false)
    );
}

fn openssl_token(alg: &str) -> String {
    let tokens: Json = serde_json::from_str(&key_file("openssl_tokens.json")).unwrap();
    tokens[alg].as_str().unwrap().to_string()
}

#[test]
fn verifies_tokens_that_openssl_signed() {
    let cases = [
        ("RS256", "verify_rs256", "rsa_public.pem"),
        ("RS256", "verify_rs256", "rsa_cert.pem"),
        ("PS256", "verify_ps256", "rsa_public.pem"),
        ("ES256", "verify_es256", "ec256_public.pem"),
        ("ES384", "verify_es384", "ec384_public.pem"),
        ("ES512", "verify_es512", "ec521_public.pem"),
    ];
    for (alg, builtin, key) in cases {
        let token = openssl_token(alg);
        let expression = format!("io.jwt.{builtin}($0, $1)");
        assert_eq!(
            eval_args(&expression, &[token.clone(), key_file(key)]),
            json!(true),
            "{alg} with {key}"
        );
        // One changed byte in the payload breaks the signature.
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        parts[1] = parts[1].replacen('e', "f", 1);
        let tampered = parts.join(".");
        assert_eq!(
            eval_args(&expression, &[tampered, key_file(key)]),
            json!(false),
            "tampered {alg}"
        );
    }
    // A key of another type does not verify.
    let args = [openssl_token("ES256"), key_file("rsa_public.pem")];
    assert_eq!(
        eval_args("io.jwt.verify_es256($0, $1)", &args),
        json!(false)
    );
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn rsa_private_jwk() -> Json {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&key_file("rsa_private.pem")).unwrap();
    json!({
        "kty": "RSA",
        "n": b64(&key.n().to_bytes_be()),
        "e": b64(&key.e().to_bytes_be()),
        "d": b64(&key.d().to_bytes_be()),
        "p": b64(&key.primes()[0].to_bytes_be()),
        "q": b64(&key.primes()[1].to_bytes_be()),
    })
}

fn ec256_private_jwk() -> Json {
    use p256::pkcs8::DecodePrivateKey;
    let key = p256::SecretKey::from_pkcs8_pem(&key_file("ec256_private.pem")).unwrap();
    let point =
        p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key.public_key(), false);
    json!({
        "kty": "EC",
        "crv": "P-256",
        "x": b64(point.x().unwrap()),
        "y": b64(point.y().unwrap()),
        "d": b64(&key.to_bytes()),
    })
}

#[test]
fn encode_sign_makes_tokens_that_verify() {
    let payload = r#"{"sub": "dana", "iss": "workshop"}"#;
    for (alg, jwk, verify, key) in [
        ("RS256", rsa_private_jwk(), "verify_rs256", "rsa_public.pem"),
        ("PS384", rsa_private_jwk(), "verify_ps384", "rsa_public.pem"),
        (
            "ES256",
            ec256_private_jwk(),
            "verify_es256",
            "ec256_public.pem",
        ),
    ] {
        let expression =
            format!(r#"io.jwt.encode_sign({{"alg": "{alg}"}}, {payload}, json.unmarshal($0))"#);
        let token = eval_args(&expression, &[jwk.to_string()]);
        let token = token.as_str().unwrap().to_string();
        assert!(
            token.starts_with(&b64(format!(r#"{{"alg":"{alg}"}}"#).as_bytes())),
            "{token}"
        );
        let check = format!("io.jwt.{verify}($0, $1)");
        assert_eq!(
            eval_args(&check, &[token, key_file(key)]),
            json!(true),
            "{alg}"
        );
    }
    // The public half as a JWK verifies too.
    let mut public = ec256_private_jwk();
    public.as_object_mut().unwrap().remove("d");
    let args = [
        openssl_token("ES256"),
        json!({"keys": [public]}).to_string(),
    ];
    assert_eq!(eval_args("io.jwt.verify_es256($0, $1)", &args), json!(true));
}

#[test]
fn decode_verify_checks_signature_time_issuer_and_audience() {
    let args = [openssl_token("ES256"), key_file("ec256_public.pem")];
    let cert = "$1";
    let run =
        |constraints: &str| eval_args(&format!("io.jwt.decode_verify($0, {constraints})"), &args);
    let now = r#""time": 2000000000000000000"#;
    let good = run(&format!(
        r#"{{"cert": {cert}, "aud": "policy-workshop", {now}}}"#
    ));
    assert_eq!(good[0], json!(true));
    assert_eq!(good[1], json!({"alg": "ES256", "typ": "JWT"}));
    assert_eq!(good[2]["sub"], json!("dana"));
    let unverified = json!([false, {}, {}]);
    // A token with an audience needs the aud constraint.
    assert_eq!(run(&format!(r#"{{"cert": {cert}, {now}}}"#)), unverified);
    assert_eq!(
        run(&format!(r#"{{"cert": {cert}, "aud": "other", {now}}}"#)),
        unverified
    );
    assert_eq!(
        run(&format!(
            r#"{{"cert": {cert}, "aud": "policy-workshop", "iss": "someone", {now}}}"#
        )),
        unverified
    );
    assert_eq!(
        run(&format!(
            r#"{{"cert": {cert}, "aud": "policy-workshop", "alg": "RS256", {now}}}"#
        )),
        unverified
    );
    // After exp (4102444800 s) and before nbf (1000000000 s).
    assert_eq!(
        run(&format!(
            r#"{{"cert": {cert}, "aud": "policy-workshop", "time": 4102444800000000000}}"#
        )),
        unverified
    );
    assert_eq!(
        run(&format!(
            r#"{{"cert": {cert}, "aud": "policy-workshop", "time": 999999999000000000}}"#
        )),
        unverified
    );
    // HMAC with the secret constraint.
    let hs = eval(&format!(
        r#"io.jwt.decode_verify({}, {{"secret": "your-256-bit-secret", {now}}})"#,
        lit(JWT_IO_TOKEN)
    ));
    assert_eq!(hs[0], json!(true));
    assert_eq!(hs[2]["name"], json!("John Doe"));
}

#[test]
fn net_cidr_functions_match_opa() {
    assert_eq!(
        eval(r#"net.cidr_merge(["10.0.0.128/25", "10.0.0.0/25", "10.0.2.0/24"])"#),
        json!(["10.0.0.0/24", "10.0.2.0/24"])
    );
    assert_eq!(
        eval(
            r#"net.cidr_merge({"192.168.1.3", "192.168.1.2", "2001:db8::/33", "2001:db8:8000::/33"})"#
        ),
        json!(["192.168.1.2/31", "2001:db8::/32"])
    );
    assert_eq!(
        eval(r#"net.cidr_intersects("10.0.0.0/8", "10.1.0.0/16")"#),
        json!(true)
    );
    assert_eq!(
        eval(r#"net.cidr_intersects("10.0.0.0/16", "10.1.0.0/16")"#),
        json!(false)
    );
    assert_eq!(
        eval(r#"net.cidr_contains_matches(["1.1.1.0/24", "1.1.2.0/24"], "1.1.1.128")"#),
        json!([[0, "1.1.1.128"]])
    );
    assert_eq!(
        eval(
            r#"net.cidr_contains_matches({"a": "10.0.0.0/8", "b": ["192.168.0.0/16", "x"]}, {"1.2.3.4", "10.1.2.3"})"#
        ),
        json!([["a", "10.1.2.3"]])
    );
    assert_eq!(
        eval_with(r#"net.cidr_merge(["not an address"])"#, false),
        Ok(None)
    );
}

#[test]
fn array_flatten_and_split_n_match_opa() {
    assert_eq!(
        eval(r#"array.flatten([[1, 2], 3, [[4]], []])"#),
        json!([1, 2, 3, [4]])
    );
    assert_eq!(
        eval(r#"strings.split_n("a,b,c", ",", 2)"#),
        json!(["a", "b,c"])
    );
    assert_eq!(
        eval(r#"strings.split_n("a,b,c", ",", -1)"#),
        json!(["a", "b", "c"])
    );
    assert_eq!(eval(r#"strings.split_n("a,b,c", ",", 0)"#), json!([]));
}
