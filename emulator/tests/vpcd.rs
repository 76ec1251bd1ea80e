//! The vpcd client against a fake vpcd: a TcpListener speaking vpcd's
//! framing (2-byte big-endian length + payload; 1-byte controls).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use emulator::atr::{contact_atr, contactless_atr};
use emulator::{CardEngine, Emulator, FloorCard, Interface, TestCard, run_vpcd};

const POWER_OFF: &[u8] = &[0x00];
const POWER_ON: &[u8] = &[0x01];
const RESET: &[u8] = &[0x02];
const GET_ATR: &[u8] = &[0x04];
const SW_OK: &[u8] = &[0x90, 0x00];
const TIMEOUT: Duration = Duration::from_secs(5);

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = (payload.len() as u16).to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    frame
}

/// All frames in one write: they reach the card coalesced.
fn send_coalesced(stream: &mut TcpStream, payloads: &[&[u8]]) {
    let bytes: Vec<u8> = payloads.iter().flat_map(|p| frame(p)).collect();
    stream.write_all(&bytes).unwrap();
}

fn recv_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut length = [0; 2];
    stream.read_exact(&mut length).unwrap();
    let mut payload = vec![0; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut payload).unwrap();
    payload
}

fn accept(listener: &TcpListener) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                stream.set_read_timeout(Some(TIMEOUT)).unwrap();
                return stream;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("the card did not connect: {e}"),
        }
    }
}

/// Runs `run_vpcd` on a thread; `stop` ends it and hands the emulator back.
struct Card<C: CardEngine + Send + 'static> {
    stop: Arc<AtomicBool>,
    done: mpsc::Receiver<Emulator<C>>,
}

impl<C: CardEngine + Send + 'static> Card<C> {
    fn start(mut emulator: Emulator<C>, addr: SocketAddr) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, done) = mpsc::channel();
        let flag = Arc::clone(&stop);
        thread::spawn(move || {
            run_vpcd(&mut emulator, addr, &flag);
            let _ = tx.send(emulator);
        });
        Self { stop, done }
    }

    fn stop(self) -> Emulator<C> {
        self.stop.store(true, Ordering::Relaxed);
        self.done
            .recv_timeout(TIMEOUT)
            .expect("run_vpcd must return soon after stop is set")
    }
}

#[test]
fn serves_controls_and_apdus_and_survives_vpcd_restarts() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let card = Card::start(
        Emulator::new(TestCard::new(300), Interface::Contact, None),
        addr,
    );
    let mut vpcd = accept(&listener);

    // Get ATR is answered also while the card is powered off.
    send_coalesced(&mut vpcd, &[POWER_OFF, GET_ATR]);
    assert_eq!(recv_frame(&mut vpcd), contact_atr());

    // Controls and APDUs coalesced in one segment: answers in order, and
    // only get ATR and APDUs are answered.
    let update = TestCard::update_binary_apdu(0x0101, &[0xCA, 0xFE]);
    let read = TestCard::read_binary_apdu(0x0100, 4);
    send_coalesced(&mut vpcd, &[POWER_ON, GET_ATR, &update, RESET, &read]);
    assert_eq!(recv_frame(&mut vpcd), contact_atr());
    assert_eq!(recv_frame(&mut vpcd), SW_OK);
    assert_eq!(recv_frame(&mut vpcd), [0x00, 0xCA, 0xFE, 0x00, 0x90, 0x00]);

    // One frame split over many segments.
    for byte in frame(&read) {
        vpcd.write_all(&[byte]).unwrap();
        vpcd.flush().unwrap();
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(recv_frame(&mut vpcd), [0x00, 0xCA, 0xFE, 0x00, 0x90, 0x00]);

    // A frame longer than 255 bytes (length high byte set): the card
    // answers it (here: wrong length, it is not a valid short APDU).
    let mut long = vec![0x00, 0xD6, 0x00, 0x00, 0xFF];
    long.resize(300, 0xAA);
    send_coalesced(&mut vpcd, &[&long]);
    assert_eq!(recv_frame(&mut vpcd), [0x67, 0x00]);

    // vpcd goes away and comes back: the card reconnects, same card state.
    drop(vpcd);
    let mut vpcd = accept(&listener);
    send_coalesced(&mut vpcd, &[GET_ATR, POWER_ON, &read]);
    assert_eq!(recv_frame(&mut vpcd), contact_atr());
    assert_eq!(recv_frame(&mut vpcd), [0x00, 0xCA, 0xFE, 0x00, 0x90, 0x00]);

    let emulator = card.stop();
    // new() + power on + reset + power on after the reconnection.
    assert_eq!(emulator.card().power_ons(), 4);
}

#[test]
fn waits_for_a_vpcd_that_starts_late() {
    // Reserve a free port, then close it: nobody listens at first.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let card = Card::start(Emulator::new(FloorCard, Interface::Contactless, None), addr);
    thread::sleep(Duration::from_millis(300));
    let listener = TcpListener::bind(addr).unwrap();
    let mut vpcd = accept(&listener);
    send_coalesced(&mut vpcd, &[GET_ATR, &[0x00, 0xA4, 0x04, 0x0C, 0x01, 0xE8]]);
    assert_eq!(recv_frame(&mut vpcd), contactless_atr());
    assert_eq!(recv_frame(&mut vpcd), SW_OK);
    card.stop();
}

#[test]
fn stops_while_no_vpcd_is_listening() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let card = Card::start(Emulator::new(FloorCard, Interface::Contact, None), addr);
    thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    card.stop();
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// vpcd writes the length and the payload with two writes (Nagle on). If
/// the card delayed its ACKs, each APDU would wait for the ~40 ms delayed-ACK
/// timer; with TCP_QUICKACK re-armed before each read it takes well under
/// a millisecond on loopback.
#[test]
fn apdu_round_trip_does_not_wait_for_delayed_ack() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let card = Card::start(Emulator::new(FloorCard, Interface::Contact, None), addr);
    let mut vpcd = accept(&listener);
    let apdu = [0x00, 0xB0, 0x00, 0x00, 0x00];
    const ROUNDS: u32 = 100;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        vpcd.write_all(&(apdu.len() as u16).to_be_bytes()).unwrap();
        vpcd.write_all(&apdu).unwrap();
        assert_eq!(recv_frame(&mut vpcd), SW_OK);
    }
    let per_apdu = started.elapsed() / ROUNDS;
    card.stop();
    assert!(
        per_apdu < Duration::from_millis(10),
        "{per_apdu:?} per APDU: delayed ACK not avoided"
    );
}
