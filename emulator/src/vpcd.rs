//! The vpcd client: serves an [`Emulator`] to pcscd through vsmartcard's
//! virtual reader driver.
//!
//! vpcd is the TCP server (127.0.0.1:35963 for `Virtual PCD 00 00`); the card
//! connects to it. Every message is a frame (see [`crate::frame`]). A 1-byte
//! payload is a control: 00 power off, 01 power on, 02 reset, 04 get ATR;
//! only get ATR is answered, and always (vpcd polls it about every 0.44 s,
//! also while the card is off). A longer payload is a command APDU, answered
//! by one frame with the response.
//!
//! A 1-byte command APDU is ambiguous: vpcd passes what `SCardTransmit` gets
//! through unchanged, so a 1-byte command arrives as a 1-byte frame. For the
//! four control codes the card cannot tell it from the control (a command
//! `00` powers the card off and pcscd then waits for ever for an answer that
//! never comes: the terminal must not send one, see
//! `terminal::pcsc_transport`). Any other 1-byte frame can only be such a
//! command, so the card answers it (it is too short for a command: ISO
//! 7816-4 §5.1) rather than ignoring it, which would leave pcscd waiting.
//!
//! Latency: vpcd writes the length and the payload with two writes. With
//! delayed ACK on our side each APDU would wait ~40 ms, so the socket sets
//! TCP_NODELAY once and TCP_QUICKACK before every read (Linux clears
//! QUICKACK again after it sends an ACK: tcp(7)).

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::emulator::Emulator;
use crate::engine::CardEngine;
use crate::frame::{FrameReader, LENGTH_PREFIX, MAX_PAYLOAD, encode_frame};
use crate::sw::SW_NO_PRECISE_DIAGNOSIS;

/// vpcd's port for the first virtual reader (`Virtual PCD 00 00`).
pub const DEFAULT_VPCD_PORT: u16 = 35963;
/// Where vpcd listens by default. It binds 0.0.0.0; connect on loopback only.
pub const DEFAULT_VPCD_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, DEFAULT_VPCD_PORT));

/// vpcd control codes (vsmartcard `vpcd.h`: VPCD_CTRL_*).
const CTRL_OFF: u8 = 0x00;
const CTRL_ON: u8 = 0x01;
const CTRL_RESET: u8 = 0x02;
const CTRL_ATR: u8 = 0x04;

/// How long a read waits before looking at the stop flag again.
const STOP_POLL: Duration = Duration::from_millis(100);
/// A write that stalls this long means vpcd is gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Reconnection backoff: doubles from the first to the last value.
const BACKOFF_FIRST: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Serve `emulator` to the vpcd at `addr` until `stop` is set. Connects,
/// reconnects whenever vpcd goes away (with a short backoff), and logs each
/// connection change. Returns only when stopped (within ~100 ms).
pub fn run_vpcd<C: CardEngine>(emulator: &mut Emulator<C>, addr: SocketAddr, stop: &AtomicBool) {
    let mut backoff = BACKOFF_FIRST;
    let mut failures: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        let stream = match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => stream,
            Err(err) => {
                if failures == 0 {
                    tracing::warn!(%addr, error = %err, "vpcd not reachable; retrying");
                } else {
                    tracing::debug!(%addr, error = %err, attempt = failures + 1, "vpcd still not reachable");
                }
                failures = failures.saturating_add(1);
                sleep_unless_stopped(backoff, stop);
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        tracing::info!(%addr, "connected to vpcd");
        failures = 0;
        backoff = BACKOFF_FIRST;
        match serve_connection(emulator, stream, stop) {
            Ok(SessionEnd::Stopped) => break,
            Ok(SessionEnd::ClosedByVpcd) => {
                tracing::info!(%addr, "vpcd closed the connection; reconnecting")
            }
            Err(err) => tracing::warn!(%addr, error = %err, "vpcd connection lost; reconnecting"),
        }
        sleep_unless_stopped(BACKOFF_FIRST, stop);
    }
    tracing::info!("vpcd client stopped");
}

enum SessionEnd {
    Stopped,
    ClosedByVpcd,
}

fn serve_connection<C: CardEngine>(
    emulator: &mut Emulator<C>,
    mut stream: TcpStream,
    stop: &AtomicBool,
) -> io::Result<SessionEnd> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(STOP_POLL))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut reader = FrameReader::new();
    let mut chunk = vec![0u8; LENGTH_PREFIX + MAX_PAYLOAD];
    loop {
        while let Some(payload) = reader.next_frame() {
            if let Some(answer) = handle_frame(emulator, &payload) {
                stream.write_all(&answer)?;
            }
        }
        if stop.load(Ordering::Relaxed) {
            return Ok(SessionEnd::Stopped);
        }
        set_quickack(&stream);
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(SessionEnd::ClosedByVpcd),
            Ok(n) => reader.push(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Act on one frame; returns the frame to send back, if any.
fn handle_frame<C: CardEngine>(emulator: &mut Emulator<C>, payload: &[u8]) -> Option<Vec<u8>> {
    match payload {
        [] => {
            tracing::warn!("vpcd sent an empty frame; ignored");
            None
        }
        [CTRL_OFF] => {
            emulator.power_off();
            None
        }
        [CTRL_ON] => {
            emulator.power_on();
            None
        }
        [CTRL_RESET] => {
            emulator.reset();
            None
        }
        [CTRL_ATR] => frame_or_log(emulator.atr()),
        [other] => {
            tracing::warn!(byte = other, "1-byte frame that is no vpcd control code: answered as a command APDU");
            answer_apdu(emulator, payload)
        }
        apdu => answer_apdu(emulator, apdu),
    }
}

/// The response frame to a command APDU.
fn answer_apdu<C: CardEngine>(emulator: &mut Emulator<C>, apdu: &[u8]) -> Option<Vec<u8>> {
    let response = emulator.transmit(apdu);
    match encode_frame(&response) {
        Ok(frame) => Some(frame),
        Err(err) => {
            tracing::error!(error = %err, "card response does not fit a vpcd frame; answering 6F00");
            frame_or_log(&SW_NO_PRECISE_DIAGNOSIS)
        }
    }
}

fn frame_or_log(payload: &[u8]) -> Option<Vec<u8>> {
    encode_frame(payload)
        .map_err(|err| tracing::error!(error = %err, "cannot frame answer"))
        .ok()
}

/// Ask Linux to ACK the next segment at once instead of delaying it.
#[cfg(target_os = "linux")]
fn set_quickack(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: setsockopt on a socket we own, with a pointer to a live c_int
    // and its exact size.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        tracing::debug!(error = %io::Error::last_os_error(), "TCP_QUICKACK not set");
    }
}

#[cfg(not(target_os = "linux"))]
fn set_quickack(_stream: &TcpStream) {}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let slice = Duration::from_millis(20);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(slice);
        slept += slice;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atr::contact_atr;
    use crate::{Interface, TestCard};

    #[test]
    fn only_get_atr_and_commands_are_answered() {
        let mut emulator = Emulator::new(TestCard::new(16), Interface::Contact, None);
        for control in [CTRL_OFF, CTRL_ON, CTRL_RESET] {
            assert_eq!(handle_frame(&mut emulator, &[control]), None, "control {control:02X}");
        }
        assert_eq!(handle_frame(&mut emulator, &[CTRL_ATR]), encode_frame(&contact_atr()).ok());
        assert_eq!(handle_frame(&mut emulator, &[]), None);
    }

    #[test]
    fn a_one_byte_frame_that_is_no_control_is_answered_as_a_command() {
        let mut emulator = Emulator::new(TestCard::new(16), Interface::Contact, None);
        // vpcd never sends 03 or 80 as a control: left unanswered, pcscd
        // would wait for ever. The test card refuses the class: 6E00.
        for byte in [0x03, 0x80] {
            assert_eq!(handle_frame(&mut emulator, &[byte]), encode_frame(&[0x6E, 0x00]).ok(), "{byte:02X}");
        }
    }
}
