//! The `io.jwt.*` family: decoding, verifying HMAC, RSA (PKCS #1 v1.5 and
//! PSS) and ECDSA signatures, `decode_verify` with its constraints object,
//! and signing with `encode_sign` and `encode_sign_raw`.
//!
//! Keys for RSA and ECDSA are given as a PEM certificate, a PEM public key,
//! or a JSON Web Key (set), as in OPA. Signing keys are JSON Web Keys.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use hmac::Hmac;
use regorus::Value;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer, Verifier};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value as Json};
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

use super::crypto::{hex, hmac_bytes};
use super::{
    BuiltinError, BuiltinFn, BuiltinResult, failed, from_json, string_arg, to_json, type_error,
};

pub(super) const BUILTINS: &[(&str, u8, BuiltinFn)] = &[
    ("io.jwt.decode", 1, decode),
    ("io.jwt.decode_verify", 2, decode_verify),
    ("io.jwt.verify_hs256", 2, verify_hs),
    ("io.jwt.verify_hs384", 2, verify_hs),
    ("io.jwt.verify_hs512", 2, verify_hs),
    ("io.jwt.verify_rs256", 2, verify_public),
    ("io.jwt.verify_rs384", 2, verify_public),
    ("io.jwt.verify_rs512", 2, verify_public),
    ("io.jwt.verify_ps256", 2, verify_public),
    ("io.jwt.verify_ps384", 2, verify_public),
    ("io.jwt.verify_ps512", 2, verify_public),
    ("io.jwt.verify_es256", 2, verify_public),
    ("io.jwt.verify_es384", 2, verify_public),
    ("io.jwt.verify_es512", 2, verify_public),
    ("io.jwt.encode_sign", 3, encode_sign),
    ("io.jwt.encode_sign_raw", 3, encode_sign_raw),
];

/// Returns the algorithm a `verify_*` builtin checks, read from its name.
fn algorithm_of(name: &str) -> String {
    name.rsplit('_')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

/// A token split into its parts.
struct Token<'a> {
    /// `header.payload`, the bytes the signature covers.
    signing_input: &'a str,
    header: Json,
    payload_bytes: Vec<u8>,
    signature: Vec<u8>,
}

fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()
        .or_else(|| URL_SAFE.decode(text).ok())
}

fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn parse_token<'a>(name: &str, token: &'a str) -> Result<Token<'a>, BuiltinError> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() == 5 {
        return Err(failed(name, "JWE tokens (five parts) are not supported"));
    }
    let [header_text, payload_text, signature_text] = parts.as_slice() else {
        return Err(failed(name, "encoded JWT had no period separators"));
    };
    let header_bytes =
        b64_decode(header_text).ok_or_else(|| failed(name, "JWT header had invalid encoding"))?;
    let header: Json = serde_json::from_slice(&header_bytes)
        .map_err(|error| failed(name, format!("JWT header is not JSON: {error}")))?;
    if !header.is_object() {
        return Err(failed(name, "JWT header is not a JSON object"));
    }
    let payload_bytes =
        b64_decode(payload_text).ok_or_else(|| failed(name, "JWT payload had invalid encoding"))?;
    let signature = b64_decode(signature_text)
        .ok_or_else(|| failed(name, "JWT signature had invalid encoding"))?;
    Ok(Token {
        signing_input: &token[..header_text.len() + 1 + payload_text.len()],
        header,
        payload_bytes,
        signature,
    })
}

fn payload_json(name: &str, token: &Token<'_>) -> Result<Json, BuiltinError> {
    serde_json::from_slice(&token.payload_bytes)
        .map_err(|error| failed(name, format!("JWT payload is not JSON: {error}")))
}

fn decode(name: &'static str, args: &[Value]) -> BuiltinResult {
    let token = parse_token(name, string_arg(name, args, 0)?)?;
    let payload = payload_json(name, &token)?;
    let payload = if token.header.get("cty").and_then(Json::as_str) == Some("JWT") {
        // A nested token: OPA decodes the inner one.
        match payload {
            Json::String(inner) => {
                let inner = parse_token(name, &inner)?;
                payload_json(name, &inner)?
            }
            other => other,
        }
    } else {
        payload
    };
    if !payload.is_object() {
        return Err(failed(name, "JWT payload is not a JSON object"));
    }
    Ok(from_json(Json::Array(vec![
        token.header,
        payload,
        Json::String(hex(&token.signature)),
    ])))
}

/// Computes the HMAC of the signing input for `alg` (HS256, HS384 or HS512).
fn hmac_for(alg: &str, secret: &[u8], input: &[u8]) -> Option<Vec<u8>> {
    Some(match alg {
        "HS256" => hmac_bytes::<Hmac<Sha256>>(secret, input),
        "HS384" => hmac_bytes::<Hmac<Sha384>>(secret, input),
        "HS512" => hmac_bytes::<Hmac<Sha512>>(secret, input),
        _ => return None,
    })
}

fn verify_hmac(alg: &str, secret: &[u8], token: &Token<'_>) -> bool {
    hmac_for(alg, secret, token.signing_input.as_bytes())
        .is_some_and(|mac| bool::from(mac.as_slice().ct_eq(&token.signature)))
}

fn verify_hs(name: &'static str, args: &[Value]) -> BuiltinResult {
    let token = parse_token(name, string_arg(name, args, 0)?)?;
    let secret = string_arg(name, args, 1)?;
    Ok(Value::from(verify_hmac(
        &algorithm_of(name),
        secret.as_bytes(),
        &token,
    )))
}

/// A public key for RSA or ECDSA signatures, with its JWK `kid` if any.
#[derive(Clone, Debug)]
pub(crate) enum PublicKey {
    Rsa(RsaPublicKey),
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
}

/// Reads keys from a PEM certificate, a PEM public key, a JWK or a JWK set.
pub(crate) fn parse_public_keys(
    name: &str,
    text: &str,
) -> Result<Vec<(Option<String>, PublicKey)>, BuiltinError> {
    let trimmed = text.trim();
    if trimmed.starts_with("-----BEGIN CERTIFICATE-----") {
        use x509_cert::der::{DecodePem, Encode};
        let certificate = x509_cert::Certificate::from_pem(trimmed.as_bytes())
            .map_err(|error| failed(name, format!("failed to parse a PEM certificate: {error}")))?;
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|error| {
                failed(
                    name,
                    format!("failed to read the certificate's key: {error}"),
                )
            })?;
        return spki_key(name, &spki).map(|key| vec![(None, key)]);
    }
    if trimmed.starts_with("-----BEGIN RSA PUBLIC KEY-----") {
        let key = RsaPublicKey::from_pkcs1_pem(trimmed).map_err(|error| {
            failed(
                name,
                format!("failed to parse a PEM RSA public key: {error}"),
            )
        })?;
        return Ok(vec![(None, PublicKey::Rsa(key))]);
    }
    if trimmed.starts_with("-----BEGIN PUBLIC KEY-----") {
        let (_, document) = x509_cert::der::Document::from_pem(trimmed)
            .map_err(|error| failed(name, format!("failed to parse a PEM public key: {error}")))?;
        return spki_key(name, document.as_bytes()).map(|key| vec![(None, key)]);
    }
    let json: Json = serde_json::from_str(trimmed).map_err(|_| {
        failed(
            name,
            "failed to parse the key: expected a PEM block or a JSON Web Key",
        )
    })?;
    let keys = match json.get("keys").and_then(Json::as_array) {
        Some(keys) => keys.clone(),
        None => vec![json],
    };
    keys.iter()
        .map(|jwk| {
            let kid = jwk.get("kid").and_then(Json::as_str).map(str::to_string);
            jwk_public_key(name, jwk).map(|key| (kid, key))
        })
        .collect()
}

fn spki_key(name: &str, der: &[u8]) -> Result<PublicKey, BuiltinError> {
    if let Ok(key) = RsaPublicKey::from_public_key_der(der) {
        return Ok(PublicKey::Rsa(key));
    }
    if let Ok(key) = p256::PublicKey::from_public_key_der(der) {
        return Ok(PublicKey::P256(key));
    }
    if let Ok(key) = p384::PublicKey::from_public_key_der(der) {
        return Ok(PublicKey::P384(key));
    }
    if let Ok(key) = p521::PublicKey::from_public_key_der(der) {
        return Ok(PublicKey::P521(key));
    }
    Err(failed(
        name,
        "unsupported key type: expected an RSA or ECDSA (P-256, P-384, P-521) key",
    ))
}

fn jwk_field(name: &str, jwk: &Json, field: &str) -> Result<Vec<u8>, BuiltinError> {
    jwk.get(field)
        .and_then(Json::as_str)
        .and_then(b64_decode)
        .ok_or_else(|| {
            failed(
                name,
                format!("the JSON Web Key has no valid \"{field}\" member"),
            )
        })
}

fn jwk_public_key(name: &str, jwk: &Json) -> Result<PublicKey, BuiltinError> {
    match jwk.get("kty").and_then(Json::as_str) {
        Some("RSA") => {
            let n = BigUint::from_bytes_be(&jwk_field(name, jwk, "n")?);
            let e = BigUint::from_bytes_be(&jwk_field(name, jwk, "e")?);
            RsaPublicKey::new(n, e)
                .map(PublicKey::Rsa)
                .map_err(|error| failed(name, format!("invalid RSA key: {error}")))
        }
        Some("EC") => {
            let mut point = vec![4u8];
            point.extend(jwk_field(name, jwk, "x")?);
            point.extend(jwk_field(name, jwk, "y")?);
            let bad = |_| failed(name, "invalid elliptic curve point in the JSON Web Key");
            match jwk.get("crv").and_then(Json::as_str) {
                Some("P-256") => p256::PublicKey::from_sec1_bytes(&point)
                    .map(PublicKey::P256)
                    .map_err(bad),
                Some("P-384") => p384::PublicKey::from_sec1_bytes(&point)
                    .map(PublicKey::P384)
                    .map_err(bad),
                Some("P-521") => p521::PublicKey::from_sec1_bytes(&point)
                    .map(PublicKey::P521)
                    .map_err(bad),
                other => Err(failed(name, format!("unsupported curve {other:?}"))),
            }
        }
        other => Err(failed(
            name,
            format!("unsupported JSON Web Key type {other:?}"),
        )),
    }
}

/// Checks a signature made with `alg` (RS*, PS*, ES*). A key of the wrong
/// type for the algorithm does not verify.
pub(crate) fn verify_with_key(alg: &str, key: &PublicKey, input: &[u8], signature: &[u8]) -> bool {
    match (alg, key) {
        ("RS256", PublicKey::Rsa(key)) => rsa_pkcs1::<Sha256>(key, input, signature),
        ("RS384", PublicKey::Rsa(key)) => rsa_pkcs1::<Sha384>(key, input, signature),
        ("RS512", PublicKey::Rsa(key)) => rsa_pkcs1::<Sha512>(key, input, signature),
        ("PS256", PublicKey::Rsa(key)) => rsa_pss::<Sha256>(key, input, signature),
        ("PS384", PublicKey::Rsa(key)) => rsa_pss::<Sha384>(key, input, signature),
        ("PS512", PublicKey::Rsa(key)) => rsa_pss::<Sha512>(key, input, signature),
        ("ES256", PublicKey::P256(key)) => {
            p256::ecdsa::Signature::from_slice(signature).is_ok_and(|sig| {
                p256::ecdsa::VerifyingKey::from(key)
                    .verify(input, &sig)
                    .is_ok()
            })
        }
        ("ES384", PublicKey::P384(key)) => {
            p384::ecdsa::Signature::from_slice(signature).is_ok_and(|sig| {
                p384::ecdsa::VerifyingKey::from(key)
                    .verify(input, &sig)
                    .is_ok()
            })
        }
        ("ES512", PublicKey::P521(key)) => {
            p521::ecdsa::Signature::from_slice(signature).is_ok_and(|sig| {
                p521::ecdsa::VerifyingKey::from_affine(*key.as_affine())
                    .is_ok_and(|verifier| verifier.verify(input, &sig).is_ok())
            })
        }
        _ => false,
    }
}

fn rsa_pkcs1<D>(key: &RsaPublicKey, input: &[u8], signature: &[u8]) -> bool
where
    D: sha2::Digest + rsa::pkcs8::AssociatedOid,
{
    let Ok(signature) = rsa::pkcs1v15::Signature::try_from(signature) else {
        return false;
    };
    rsa::pkcs1v15::VerifyingKey::<D>::new(key.clone())
        .verify(input, &signature)
        .is_ok()
}

fn rsa_pss<D>(key: &RsaPublicKey, input: &[u8], signature: &[u8]) -> bool
where
    D: sha2::Digest + sha2::digest::FixedOutputReset,
{
    let Ok(signature) = rsa::pss::Signature::try_from(signature) else {
        return false;
    };
    rsa::pss::VerifyingKey::<D>::new(key.clone())
        .verify(input, &signature)
        .is_ok()
}

fn verify_public(name: &'static str, args: &[Value]) -> BuiltinResult {
    let token = parse_token(name, string_arg(name, args, 0)?)?;
    let keys = parse_public_keys(name, string_arg(name, args, 1)?)?;
    let alg = algorithm_of(name);
    Ok(Value::from(keys.iter().any(|(_, key)| {
        verify_with_key(&alg, key, token.signing_input.as_bytes(), &token.signature)
    })))
}

/// The constraints object of `io.jwt.decode_verify`.
struct Constraints {
    keys: Vec<(Option<String>, PublicKey)>,
    secret: Option<String>,
    alg: Option<String>,
    iss: Option<String>,
    aud: Option<String>,
    /// Nanoseconds since the epoch.
    time: f64,
}

fn read_constraints(name: &str, value: &Value) -> Result<Constraints, BuiltinError> {
    let Value::Object(fields) = value else {
        return Err(type_error(name, 2, "object", value));
    };
    let mut constraints = Constraints {
        keys: Vec::new(),
        secret: None,
        alg: None,
        iss: None,
        aud: None,
        time: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as f64)
            .unwrap_or_default(),
    };
    let mut has_cert = false;
    for (key, field) in fields.iter() {
        let Value::String(key) = key else {
            return Err(failed(name, "token constraint keys must be strings"));
        };
        let text = || match field {
            Value::String(text) => Ok(text.to_string()),
            other => Err(failed(
                name,
                format!(
                    "constraint {key} must be a string but got {}",
                    super::type_name(other)
                ),
            )),
        };
        match key.as_ref() {
            "cert" => {
                constraints.keys = parse_public_keys(name, &text()?)?;
                has_cert = true;
            }
            "secret" => constraints.secret = Some(text()?),
            "alg" => constraints.alg = Some(text()?),
            "iss" => constraints.iss = Some(text()?),
            "aud" => constraints.aud = Some(text()?),
            "time" => {
                let Value::Number(number) = field else {
                    return Err(failed(
                        name,
                        format!(
                            "constraint time must be a number but got {}",
                            super::type_name(field)
                        ),
                    ));
                };
                // regorus's as_f64 refuses integers beyond 2^53, and times
                // in nanoseconds are larger than that.
                constraints.time = number
                    .as_i64()
                    .map(|ns| ns as f64)
                    .or_else(|| number.as_f64())
                    .unwrap_or_default();
            }
            other => {
                return Err(failed(
                    name,
                    format!("unknown token validation constraint: {other}"),
                ));
            }
        }
    }
    match (has_cert, constraints.secret.is_some()) {
        (true, true) => Err(failed(
            name,
            "duplicate key constraints: give cert or secret, not both",
        )),
        (false, false) => Err(failed(name, "no key constraint: give cert or secret")),
        _ => Ok(constraints),
    }
}

fn decode_verify(name: &'static str, args: &[Value]) -> BuiltinResult {
    let text = string_arg(name, args, 0)?;
    let constraints = read_constraints(name, &args[1])?;
    let unverified = || {
        Ok(from_json(Json::Array(vec![
            Json::Bool(false),
            Json::Object(Map::new()),
            Json::Object(Map::new()),
        ])))
    };
    let token = parse_token(name, text)?;
    let Some(alg) = token
        .header
        .get("alg")
        .and_then(Json::as_str)
        .map(str::to_string)
    else {
        return unverified();
    };
    if constraints.alg.as_ref().is_some_and(|want| *want != alg) {
        return unverified();
    }
    let input = token.signing_input.as_bytes();
    let verified = match &constraints.secret {
        Some(secret) => verify_hmac(&alg, secret.as_bytes(), &token),
        None => {
            let kid = token.header.get("kid").and_then(Json::as_str);
            constraints
                .keys
                .iter()
                .filter(|(key_id, _)| kid.is_none() || key_id.is_none() || key_id.as_deref() == kid)
                .any(|(_, key)| verify_with_key(&alg, key, input, &token.signature))
        }
    };
    if !verified {
        return unverified();
    }
    let Ok(payload @ Json::Object(_)) = payload_json(name, &token) else {
        return unverified();
    };
    let seconds = |claim: &str| payload.get(claim).map(|value| value.as_f64());
    let now = constraints.time;
    match seconds("exp") {
        Some(None) => return Err(failed(name, "exp value must be a number")),
        Some(Some(exp)) if now >= exp * 1e9 => return unverified(),
        _ => {}
    }
    match seconds("nbf") {
        Some(None) => return Err(failed(name, "nbf value must be a number")),
        Some(Some(nbf)) if now < nbf * 1e9 => return unverified(),
        _ => {}
    }
    if let Some(iss) = &constraints.iss
        && payload.get("iss").and_then(Json::as_str) != Some(iss.as_str())
    {
        return unverified();
    }
    match (payload.get("aud"), &constraints.aud) {
        (None, None) => {}
        (None, Some(_)) | (Some(_), None) => return unverified(),
        (Some(aud), Some(want)) => {
            let matches = match aud {
                Json::String(aud) => aud == want,
                Json::Array(auds) => auds.iter().any(|a| a.as_str() == Some(want.as_str())),
                _ => false,
            };
            if !matches {
                return unverified();
            }
        }
    }
    Ok(from_json(Json::Array(vec![
        Json::Bool(true),
        token.header,
        payload,
    ])))
}

/// Signs `header.payload` (already base64url text) with a JSON Web Key.
fn sign(name: &str, alg: &str, signing_input: &str, jwk: &Json) -> Result<Vec<u8>, BuiltinError> {
    let input = signing_input.as_bytes();
    if let Some(mac) = alg.starts_with("HS").then(|| {
        let secret = jwk_field(name, jwk, "k")?;
        hmac_for(alg, &secret, input)
            .ok_or_else(|| failed(name, format!("unsupported algorithm {alg}")))
    }) {
        return mac;
    }
    let bad_key = |error: String| failed(name, format!("invalid signing key: {error}"));
    match alg {
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => {
            let component = |field| jwk_field(name, jwk, field).map(|b| BigUint::from_bytes_be(&b));
            let key = RsaPrivateKey::from_components(
                component("n")?,
                component("e")?,
                component("d")?,
                vec![component("p")?, component("q")?],
            )
            .map_err(|error| bad_key(error.to_string()))?;
            let mut rng = rsa::rand_core::OsRng;
            Ok(match alg {
                "RS256" => rsa::pkcs1v15::SigningKey::<Sha256>::new(key)
                    .sign(input)
                    .to_vec(),
                "RS384" => rsa::pkcs1v15::SigningKey::<Sha384>::new(key)
                    .sign(input)
                    .to_vec(),
                "RS512" => rsa::pkcs1v15::SigningKey::<Sha512>::new(key)
                    .sign(input)
                    .to_vec(),
                "PS256" => rsa::pss::SigningKey::<Sha256>::new(key)
                    .sign_with_rng(&mut rng, input)
                    .to_vec(),
                "PS384" => rsa::pss::SigningKey::<Sha384>::new(key)
                    .sign_with_rng(&mut rng, input)
                    .to_vec(),
                _ => rsa::pss::SigningKey::<Sha512>::new(key)
                    .sign_with_rng(&mut rng, input)
                    .to_vec(),
            })
        }
        "ES256" => {
            let d = jwk_field(name, jwk, "d")?;
            let key =
                p256::ecdsa::SigningKey::from_slice(&d).map_err(|e| bad_key(e.to_string()))?;
            let signature: p256::ecdsa::Signature = key.sign(input);
            Ok(signature.to_bytes().to_vec())
        }
        "ES384" => {
            let d = jwk_field(name, jwk, "d")?;
            let key =
                p384::ecdsa::SigningKey::from_slice(&d).map_err(|e| bad_key(e.to_string()))?;
            let signature: p384::ecdsa::Signature = key.sign(input);
            Ok(signature.to_bytes().to_vec())
        }
        "ES512" => {
            let d = jwk_field(name, jwk, "d")?;
            let key =
                p521::ecdsa::SigningKey::from_slice(&d).map_err(|e| bad_key(e.to_string()))?;
            let signature: p521::ecdsa::Signature = key.sign(input);
            Ok(signature.to_bytes().to_vec())
        }
        other => Err(failed(name, format!("unsupported algorithm {other}"))),
    }
}

/// Builds and signs a token from the header and payload texts.
fn encode(name: &str, header_text: &str, payload_text: &str, jwk: &Json) -> BuiltinResult {
    let header: Json = serde_json::from_str(header_text)
        .map_err(|error| failed(name, format!("the header is not JSON: {error}")))?;
    let Some(alg) = header.get("alg").and_then(Json::as_str) else {
        return Err(failed(name, "the header has no \"alg\" member"));
    };
    let signing_input = format!(
        "{}.{}",
        b64_encode(header_text.as_bytes()),
        b64_encode(payload_text.as_bytes())
    );
    let signature = sign(name, alg, &signing_input, jwk)?;
    Ok(Value::from(format!(
        "{signing_input}.{}",
        b64_encode(&signature)
    )))
}

fn compact_json(name: &str, value: &Value) -> Result<String, BuiltinError> {
    // Objects serialize with sorted keys and no spaces, as Go's encoder
    // writes them in OPA.
    serde_json::to_string(value).map_err(|error| failed(name, error))
}

fn encode_sign(name: &'static str, args: &[Value]) -> BuiltinResult {
    for (index, arg) in args.iter().enumerate() {
        if !matches!(arg, Value::Object(_)) {
            return Err(type_error(name, index + 1, "object", arg));
        }
    }
    let header = compact_json(name, &args[0])?;
    let payload = compact_json(name, &args[1])?;
    encode(name, &header, &payload, &to_json(&args[2]))
}

fn encode_sign_raw(name: &'static str, args: &[Value]) -> BuiltinResult {
    let header = string_arg(name, args, 0)?;
    let payload = string_arg(name, args, 1)?;
    let key: Json = serde_json::from_str(string_arg(name, args, 2)?)
        .map_err(|error| failed(name, format!("the key is not JSON: {error}")))?;
    encode(name, header, payload, &key)
}
