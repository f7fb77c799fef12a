//! `crypto.md5`, `crypto.sha1`, `crypto.sha256` and the `crypto.hmac.*`
//! family. Digests and MACs are lower-case hex strings, as in OPA.

use hmac::{Hmac, Mac};
use md5::Md5;
use regorus::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::{BuiltinFn, BuiltinResult, string_arg};

pub(super) const BUILTINS: &[(&str, u8, BuiltinFn)] = &[
    ("crypto.md5", 1, md5_hex),
    ("crypto.sha1", 1, sha1_hex),
    ("crypto.sha256", 1, sha256_hex),
    ("crypto.hmac.md5", 2, hmac_md5),
    ("crypto.hmac.sha1", 2, hmac_sha1),
    ("crypto.hmac.sha256", 2, hmac_sha256),
    ("crypto.hmac.sha512", 2, hmac_sha512),
    ("crypto.hmac.equal", 2, hmac_equal),
];

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

fn digest_hex<D: Digest>(name: &'static str, args: &[Value]) -> BuiltinResult {
    let text = string_arg(name, args, 0)?;
    Ok(Value::from(hex(&D::digest(text.as_bytes()))))
}

fn md5_hex(name: &'static str, args: &[Value]) -> BuiltinResult {
    digest_hex::<Md5>(name, args)
}

fn sha1_hex(name: &'static str, args: &[Value]) -> BuiltinResult {
    digest_hex::<Sha1>(name, args)
}

fn sha256_hex(name: &'static str, args: &[Value]) -> BuiltinResult {
    digest_hex::<Sha256>(name, args)
}

/// The HMAC of `message` under `key`.
pub(crate) fn hmac_bytes<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac =
        <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn hmac_hex<M: Mac + hmac::digest::KeyInit>(name: &'static str, args: &[Value]) -> BuiltinResult {
    let message = string_arg(name, args, 0)?;
    let key = string_arg(name, args, 1)?;
    Ok(Value::from(hex(&hmac_bytes::<M>(
        key.as_bytes(),
        message.as_bytes(),
    ))))
}

fn hmac_md5(name: &'static str, args: &[Value]) -> BuiltinResult {
    hmac_hex::<Hmac<Md5>>(name, args)
}

fn hmac_sha1(name: &'static str, args: &[Value]) -> BuiltinResult {
    hmac_hex::<Hmac<Sha1>>(name, args)
}

fn hmac_sha256(name: &'static str, args: &[Value]) -> BuiltinResult {
    hmac_hex::<Hmac<Sha256>>(name, args)
}

fn hmac_sha512(name: &'static str, args: &[Value]) -> BuiltinResult {
    hmac_hex::<Hmac<Sha512>>(name, args)
}

/// Compares two MACs in constant time.
fn hmac_equal(name: &'static str, args: &[Value]) -> BuiltinResult {
    let first = string_arg(name, args, 0)?;
    let second = string_arg(name, args, 1)?;
    Ok(Value::from(bool::from(
        first.as_bytes().ct_eq(second.as_bytes()),
    )))
}
