//! vpcd framing: every message, both ways, is a 2-byte big-endian length
//! followed by that many payload bytes (vsmartcard `vpcd.c`).
//!
//! TCP delivers a byte stream: one read may hold half a frame or several
//! frames (vpcd writes the length and the payload separately, and coalesced
//! segments are common), so frames are cut out of a buffer by length, never
//! by read boundaries.

/// Size of the length prefix.
pub const LENGTH_PREFIX: usize = 2;
/// Largest payload a frame can carry.
pub const MAX_PAYLOAD: usize = u16::MAX as usize;

/// A payload longer than a frame can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("vpcd frame payload of {0} bytes exceeds the 2-byte length limit of {MAX_PAYLOAD}")]
pub struct FrameTooLong(pub usize);

/// `payload` with its length prefix.
pub fn encode_frame(payload: &[u8]) -> Result<Vec<u8>, FrameTooLong> {
    let length = u16::try_from(payload.len()).map_err(|_| FrameTooLong(payload.len()))?;
    let mut frame = Vec::with_capacity(LENGTH_PREFIX + payload.len());
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(payload);
    Ok(frame)
}

/// Reassembles frames from stream bytes.
#[derive(Debug, Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
}

impl FrameReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Append bytes as read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete frame's payload, if one is buffered.
    pub fn next_frame(&mut self) -> Option<Vec<u8>> {
        let [high, low, ..] = self.buffer[..] else {
            return None;
        };
        let end = LENGTH_PREFIX + usize::from(u16::from_be_bytes([high, low]));
        if self.buffer.len() < end {
            return None;
        }
        let payload = self.buffer[LENGTH_PREFIX..end].to_vec();
        self.buffer.drain(..end);
        Some(payload)
    }

    /// Bytes buffered that do not yet form a frame.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_coalesced_and_split_frames_by_length() {
        let mut stream = encode_frame(&[0x04]).unwrap();
        stream.extend(encode_frame(&[0x00, 0xA4, 0x00, 0x0C]).unwrap());
        stream.extend(encode_frame(&[]).unwrap());
        stream.extend(encode_frame(&[0x01]).unwrap());

        // Feed one byte at a time: frames appear exactly when complete.
        let mut reader = FrameReader::new();
        let mut frames = Vec::new();
        for byte in &stream {
            reader.push(&[*byte]);
            while let Some(frame) = reader.next_frame() {
                frames.push(frame);
            }
        }
        assert_eq!(
            frames,
            vec![vec![0x04], vec![0x00, 0xA4, 0x00, 0x0C], vec![], vec![0x01]]
        );
        assert_eq!(reader.pending(), 0);

        // All at once: the same frames.
        let mut reader = FrameReader::new();
        reader.push(&stream);
        assert_eq!(reader.next_frame(), Some(vec![0x04]));
        assert_eq!(reader.next_frame(), Some(vec![0x00, 0xA4, 0x00, 0x0C]));
        assert_eq!(reader.next_frame(), Some(vec![]));
        assert_eq!(reader.next_frame(), Some(vec![0x01]));
        assert_eq!(reader.next_frame(), None);
    }

    #[test]
    fn frame_length_limit() {
        assert_eq!(
            encode_frame(&vec![0; MAX_PAYLOAD]).map(|f| f.len()),
            Ok(MAX_PAYLOAD + 2)
        );
        assert_eq!(
            encode_frame(&vec![0; MAX_PAYLOAD + 1]),
            Err(FrameTooLong(MAX_PAYLOAD + 1))
        );
        assert_eq!(&encode_frame(&[0xAA; 0x123]).unwrap()[..2], &[0x01, 0x23]);
    }
}
