//! What an exercise box in a report page carries: its inputs or its recorded truth as bytes, written by the main
//! crate when the notebook runs and read back here, in the page's WebAssembly, when a student presses *Check*.
//!
//! The format is this module's own: little-endian `u64`/`f64` values and length-prefixed UTF-8, in the order
//! each type's [`Payload::write`] puts them (the reader mirrors it and fails cleanly on a short or malformed
//! buffer). A recorded truth is *sealed*: XORed with a key stream that only this code derives (SplitMix64 from
//! the exercise's code), so the student's page never holds the answer as plain text. This hides an answer from a
//! reader of the page's source; it is a self-check, not an exam.

use crate::error::{Error, Result};

/// Appends values to a byte buffer.
#[derive(Debug, Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    /// `v` as 8 bytes, little-endian.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// `v` as its 8 IEEE-754 bytes, little-endian (NaN and ±∞ round-trip).
    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.u64(v.to_bits())
    }
    /// `None` as NaN, so an absent measurement reads back as absent.
    pub fn opt_f64(&mut self, v: Option<f64>) -> &mut Self {
        self.f64(v.unwrap_or(f64::NAN))
    }
    /// A length, then the UTF-8 bytes.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
        self
    }
}

/// Reads values back in the order they were written.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

fn malformed(what: &str) -> Error {
    Error::Parse {
        source: "the exercise box's data".into(),
        message: format!("{what}; export the report again"),
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }
    /// The next 8 bytes as a little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        if self.bytes.len() < 8 {
            return Err(malformed("too short"));
        }
        let (head, rest) = self.bytes.split_at(8);
        self.bytes = rest;
        Ok(u64::from_le_bytes(head.try_into().expect("8 bytes")))
    }
    /// The next value as a `usize` (refused when it does not fit).
    pub fn usize(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| malformed("a size out of range"))
    }
    /// The next 8 bytes as an `f64`.
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// The next value, NaN read as `None`.
    pub fn opt_f64(&mut self) -> Result<Option<f64>> {
        let v = self.f64()?;
        Ok((!v.is_nan()).then_some(v))
    }
    /// A length-prefixed UTF-8 string.
    pub fn str(&mut self) -> Result<String> {
        let n = self.usize()?;
        if self.bytes.len() < n {
            return Err(malformed("a string runs past the end"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        String::from_utf8(head.to_vec()).map_err(|_| malformed("text that is not UTF-8"))
    }
    /// Errors unless every byte was read.
    pub fn finish(self) -> Result<()> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(malformed("trailing bytes"))
        }
    }
}

/// A value that crosses to the page as bytes.
pub trait Payload: Sized {
    /// Appends the value.
    fn write(&self, w: &mut Writer);
    /// Reads the value back.
    fn read(r: &mut Reader<'_>) -> Result<Self>;

    /// The value as bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.write(&mut w);
        w.0
    }
    /// The value from bytes, all of them.
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

/// XORs `bytes` in place with the key stream of exercise `code` (SplitMix64 seeded from the code): applied once
/// it seals, applied again it unseals.
pub fn seal(bytes: &mut [u8], code: u32) {
    let mut state = 0x5eed_de37_1f1e_d000_u64 ^ (u64::from(code) << 17);
    for chunk in bytes.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        for (b, k) in chunk.iter_mut().zip(z.to_le_bytes()) {
            *b ^= k;
        }
    }
}

/// Lower-case hex of `bytes`, as the page's data attribute holds them.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercises::truths::{EdgeExponent, FastestInit, LeadingTerm};

    #[test]
    fn truths_round_trip_through_bytes_and_sealing() {
        let fastest = FastestInit {
            depth: 16,
            rows: vec![("small(1e-3)".into(), Some(41.5)), ("xavier".into(), None)],
        };
        let edge = EdgeExponent {
            exponent: Some(-0.97),
            points: vec![(2.0, 0.5), (8.0, 0.125)],
            tolerance: 0.25,
        };
        for code in [41_u32, 42, 53] {
            let mut bytes = fastest.to_bytes();
            seal(&mut bytes, code);
            assert_ne!(bytes, fastest.to_bytes(), "sealing changes the bytes");
            seal(&mut bytes, code);
            assert_eq!(FastestInit::from_bytes(&bytes).unwrap(), fastest);
        }
        assert_eq!(EdgeExponent::from_bytes(&edge.to_bytes()).unwrap(), edge);
        for t in [LeadingTerm(None), LeadingTerm(Some((5, -1.25e-3)))] {
            assert_eq!(LeadingTerm::from_bytes(&t.to_bytes()).unwrap(), t);
        }
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let bytes = FastestInit {
            depth: 4,
            rows: vec![("orthogonal".into(), Some(3.0))],
        }
        .to_bytes();
        for cut in 0..bytes.len() {
            assert!(
                FastestInit::from_bytes(&bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(FastestInit::from_bytes(&longer).is_err());
        // A huge string length is refused before anything is allocated.
        let mut w = Writer::default();
        w.u64(1).u64(1).u64(u64::MAX);
        assert!(FastestInit::from_bytes(&w.0).is_err());
    }
}
