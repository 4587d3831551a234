//! Pickled state: a format version byte, the value in postcard (the core's serde derives), and
//! a CRC-32 of both. State of another version, cut short or corrupt is refused with a reason:
//! it never becomes a wrong object, and reading it never panics (a value read back is checked
//! by the core's `persist` before anything indexes with it).

use serde::{Deserialize, Serialize};
use std::fmt;

/// 1 was the hand-written format of akinv before serde; 2 is postcard with a checksum.
pub const VERSION: u8 = 2;

/// Bytes after the version and the value: the checksum.
const CHECKSUM: usize = 4;

/// Why a state was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Shorter than the version byte and the checksum.
    Short,
    Version(u8),
    /// Cut short or changed: the checksum does not match.
    Checksum,
    /// The checksum matches but the value does not read (state made by hand, not by akinv).
    Value(String),
    /// Another kind of object's state (a report given as one finding, say).
    Kind,
    /// A kind akinv does not have.
    Unknown,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Short => f.write_str("its state is cut short"),
            Refused::Version(version) => write!(
                f,
                "its state is of format {version}, and this version of akinv reads format \
                 {VERSION} only: pickle it again with this version"
            ),
            Refused::Checksum => {
                f.write_str("its state is cut short or corrupt (its checksum does not match)")
            }
            Refused::Value(why) => write!(f, "its state does not read ({why})"),
            Refused::Kind => f.write_str("its state is another kind of object's"),
            Refused::Unknown => f.write_str("akinv has no such type"),
        }
    }
}

/// State as it is written: postcard's own growable flavor extends a byte at a time.
struct Buffer(Vec<u8>);

impl postcard::ser_flavors::Flavor for Buffer {
    type Output = Vec<u8>;

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.push(byte);
        Ok(())
    }

    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Vec<u8>> {
        Ok(self.0)
    }
}

/// The state of `value`. Fails only for a value postcard cannot write (none of akinv's).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    let mut buffer = Vec::with_capacity(256);
    buffer.push(VERSION);
    let mut state =
        postcard::serialize_with_flavor(value, Buffer(buffer)).map_err(|e| e.to_string())?;
    let checksum = crc32fast::hash(&state);
    state.extend_from_slice(&checksum.to_le_bytes());
    Ok(state)
}

/// The value of a state `encode` wrote, or why it is refused.
pub fn decode<'a, T: Deserialize<'a>>(state: &'a [u8]) -> Result<T, Refused> {
    let Some((&version, _)) = state.split_first() else {
        return Err(Refused::Short);
    };
    if version != VERSION {
        return Err(Refused::Version(version));
    }
    let Some(body_len) = state.len().checked_sub(CHECKSUM).filter(|n| *n > 0) else {
        return Err(Refused::Short);
    };
    let (body, checksum) = state.split_at(body_len);
    let expected = u32::from_le_bytes(checksum.try_into().map_err(|_| Refused::Short)?);
    if crc32fast::hash(body) != expected {
        return Err(Refused::Checksum);
    }
    let (value, rest) =
        postcard::take_from_bytes(&body[1..]).map_err(|e| Refused::Value(e.to_string()))?;
    if !rest.is_empty() {
        return Err(Refused::Value(format!("{} bytes left over", rest.len())));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use akinv_core as core;

    const V1: &[u8] = br#"{"cluster": {"inventory": {"cluster": {"nodes": [
        {"name": "a", "resources": {
            "cpu": {"quantity": {"allocatable": "8", "allocated": "9"}},
            "memory": {"quantity": {"allocatable": "8Gi", "allocated": "0"}},
            "gpu": {"quantity": {"allocatable": "2", "allocated": "0"},
                    "info": [{"vendor": "nvidia", "name": "h100", "memory_size": "80Gi",
                              "interface": "SXM5"}]},
            "ephemeral_storage": {"allocatable": "1Ti", "allocated": "0"}}}]}}}}"#;

    fn report() -> core::Report {
        core::validate(V1, None, &core::Policy::default()).unwrap()
    }

    /// State of `value` with the checksum made again after `change`: as if akinv wrote it.
    fn forged<T: Serialize>(value: &T, change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut body = encode(value).unwrap();
        body.truncate(body.len() - CHECKSUM);
        change(&mut body);
        let checksum = crc32fast::hash(&body);
        body.extend_from_slice(&checksum.to_le_bytes());
        body
    }

    #[test]
    fn a_report_comes_back_equal() {
        let report = report();
        assert!(!report.findings.is_empty() && report.findings[0].resource.is_some());
        let state = encode(&report).unwrap();
        assert_eq!(state[0], VERSION);
        assert_eq!(decode::<core::Report>(&state), Ok(report));
    }

    #[test]
    fn state_cut_short_anywhere_is_refused() {
        let state = encode(&report()).unwrap();
        for end in 0..state.len() {
            let refused = decode::<core::Report>(&state[..end]).unwrap_err();
            assert!(
                matches!(refused, Refused::Short | Refused::Checksum),
                "{end}"
            );
        }
    }

    #[test]
    fn every_changed_byte_is_refused() {
        let state = encode(&report()).unwrap();
        for at in 0..state.len() {
            let mut changed = state.clone();
            changed[at] ^= 0x40;
            let refused = decode::<core::Report>(&changed).unwrap_err();
            let expected = if at == 0 {
                Refused::Version(VERSION ^ 0x40)
            } else {
                Refused::Checksum
            };
            assert_eq!(refused, expected, "{at}");
        }
    }

    #[test]
    fn another_version_is_refused_by_name() {
        let mut state = encode(&report()).unwrap();
        state[0] = 1;
        let refused = decode::<core::Report>(&state).unwrap_err();
        assert_eq!(refused, Refused::Version(1));
        assert!(refused.to_string().contains("of format 1"));
        assert_eq!(decode::<core::Report>(b""), Err(Refused::Short));
        assert_eq!(
            decode::<core::Report>(&[VERSION, 0, 0]),
            Err(Refused::Short)
        );
    }

    #[test]
    fn forged_values_are_refused_not_indexed() {
        // An unknown resource name: never leaked into a `&'static str`.
        let finding = core::Finding {
            path: String::new(),
            message: String::new(),
            resource: Some("cpu"),
            ..report().findings[0].clone()
        };
        assert_eq!(decode(&forged(&finding, |_| {})), Ok(finding.clone()));
        let state = forged(&finding, |body| {
            let at = body.windows(3).position(|w| w == b"cpu").unwrap();
            body[at..at + 3].copy_from_slice(b"cpx");
        });
        assert!(matches!(
            decode::<core::Finding>(&state),
            Err(Refused::Value(_))
        ));
        // A device run naming a device kind the report does not list.
        let mut runs = report();
        runs.nodes[0].devices[0].kind = 1;
        let state = forged(&runs, |_| {});
        assert!(matches!(
            decode::<core::Report>(&state),
            Err(Refused::Value(_))
        ));
        // Flags beyond the known ones.
        let state = forged(&0x10u8, |_| {});
        assert!(matches!(
            decode::<core::Flags>(&state),
            Err(Refused::Value(_))
        ));
        // Bytes after the value.
        let state = forged(&report(), |body| body.push(0));
        assert!(matches!(
            decode::<core::Report>(&state),
            Err(Refused::Value(_))
        ));
    }

    #[test]
    fn an_inventory_keeps_what_reservations_left() {
        let report = std::sync::Arc::new(report());
        let mut inventory = core::inventory::Inventory::from_report(report.clone());
        inventory.nodes[0].free.gpus = 1;
        let state = encode(&inventory).unwrap();
        assert_eq!(
            decode::<core::inventory::Inventory>(&state).as_ref(),
            Ok(&inventory)
        );
        // Free capacity for two nodes of a report of one (postcard writes a struct as a tuple).
        let free = inventory.nodes[0].free;
        let pools: Vec<i64> = inventory.pools.iter().map(|p| p.free_bytes).collect();
        let stored = |free: Vec<core::inventory::Free>| {
            encode(&(&*report, free, &pools, inventory.free_ips)).unwrap()
        };
        assert!(decode::<core::inventory::Inventory>(&stored(vec![free])).is_ok());
        assert!(decode::<core::inventory::Inventory>(&stored(vec![free, free])).is_err());
    }
}
