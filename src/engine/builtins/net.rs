//! `net.cidr_merge`, `net.cidr_intersects` and `net.cidr_contains_matches`,
//! plus `net.lookup_ip_addr`, which would need DNS and so is refused.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;
use regorus::Value;

use super::{BuiltinError, BuiltinFn, BuiltinResult, failed, string_arg, type_error};

pub(super) const BUILTINS: &[(&str, u8, BuiltinFn)] = &[
    ("net.cidr_merge", 1, cidr_merge),
    ("net.cidr_intersects", 2, cidr_intersects),
    ("net.cidr_contains_matches", 2, cidr_contains_matches),
    ("net.lookup_ip_addr", 1, lookup_ip_addr),
];

/// Parses a CIDR such as `10.0.0.0/8`; a plain address is not accepted.
fn parse_cidr(name: &str, text: &str) -> Result<IpNet, BuiltinError> {
    text.parse::<IpNet>()
        .map_err(|_| failed(name, format!("invalid CIDR address: {text}")))
}

/// Parses a CIDR or a plain address (as a /32 or /128 network).
fn parse_cidr_or_ip(text: &str) -> Option<IpNet> {
    if let Ok(net) = text.parse::<IpNet>() {
        return Some(net);
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

fn cidr_merge(name: &'static str, args: &[Value]) -> BuiltinResult {
    let items: Vec<&Value> = match &args[0] {
        Value::Array(items) => items.iter().collect(),
        Value::Set(items) => items.iter().collect(),
        other => {
            return Err(type_error(name, 1, "one of {array, set}", other));
        }
    };
    let mut networks = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(text) = item else {
            return Err(type_error(name, 1, "string", item));
        };
        let network = parse_cidr_or_ip(text)
            .ok_or_else(|| failed(name, format!("invalid IP address or CIDR: {text}")))?;
        networks.push(network.trunc());
    }
    let merged: BTreeSet<Value> = IpNet::aggregate(&networks)
        .into_iter()
        .map(|network| Value::from(network.to_string()))
        .collect();
    Ok(Value::from(merged))
}

fn cidr_intersects(name: &'static str, args: &[Value]) -> BuiltinResult {
    let first = parse_cidr(name, string_arg(name, args, 0)?)?.trunc();
    let second = parse_cidr(name, string_arg(name, args, 1)?)?.trunc();
    Ok(Value::from(
        first.contains(&second.network()) || second.contains(&first.network()),
    ))
}

/// Reads one argument of `net.cidr_contains_matches`: a string, or an
/// array, set or object whose items are strings or arrays led by a string.
/// Each entry is returned with the key OPA reports for it.
fn match_entries(
    name: &str,
    position: usize,
    value: &Value,
) -> Result<Vec<(Value, IpNet)>, BuiltinError> {
    let parse = |key: Value, item: &Value| -> Result<(Value, IpNet), BuiltinError> {
        let text = match item {
            Value::String(text) => text.clone(),
            Value::Array(items) => match items.first() {
                Some(Value::String(text)) => text.clone(),
                _ => return Err(type_error(name, position, "string", item)),
            },
            other => return Err(type_error(name, position, "string", other)),
        };
        let network = parse_cidr_or_ip(&text)
            .ok_or_else(|| failed(name, format!("invalid IP address or CIDR: {text}")))?;
        Ok((key, network))
    };
    match value {
        Value::String(_) => Ok(vec![parse(value.clone(), value)?]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| parse(Value::from(index as u64), item))
            .collect(),
        Value::Set(items) => items.iter().map(|item| parse(item.clone(), item)).collect(),
        Value::Object(fields) => fields
            .iter()
            .map(|(key, item)| parse(key.clone(), item))
            .collect(),
        other => Err(type_error(
            name,
            position,
            "one of {string, array, set, object}",
            other,
        )),
    }
}

fn cidr_contains_matches(name: &'static str, args: &[Value]) -> BuiltinResult {
    let cidrs = match_entries(name, 1, &args[0])?;
    let targets = match_entries(name, 2, &args[1])?;
    let mut matches = BTreeSet::new();
    for (cidr_key, cidr) in &cidrs {
        for (target_key, target) in &targets {
            if cidr.contains(target) {
                matches.insert(Value::from(vec![cidr_key.clone(), target_key.clone()]));
            }
        }
    }
    Ok(Value::from(matches))
}

fn lookup_ip_addr(name: &'static str, _args: &[Value]) -> BuiltinResult {
    Err(super::misc::offline(name))
}
