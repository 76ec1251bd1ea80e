//! In-process cost of the card itself: SELECT + READ BINARY through
//! `Emulator::transmit`, no transport, on the floor card (9000 to
//! everything: the cost of the emulator road) and on the real card
//! personalized from `profiles/reference/adult.toml`. Throughput is counted
//! in APDUs (two per iteration), so criterion's `elem/s` reads as APDUs/s.
//!
//! Two pairs of commands, both readable without authentication (chip.md):
//! - EF: SELECT EF.CardAccess by FID under the MF + READ BINARY,
//! - DF: SELECT the household zone by AID + READ BINARY of EF.County by SFI.
//!
//! `cargo bench -p neid-emulator --bench in_process`

use std::hint::black_box;
use std::path::Path;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use emulator::{CardEngine, Emulator, FloorCard, Interface, NeidCard, personalize};
use profiles::Profile;

/// The reference profile of the card measured as "neid".
const PROFILE: &str = "../profiles/reference/adult.toml";

/// The real card, personalized from [`PROFILE`].
fn neid_card() -> NeidCard {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PROFILE);
    Profile::from_file(&path)
        .map_err(|error| error.to_string())
        .and_then(|profile| personalize(&profile).map_err(|error| error.to_string()))
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// SELECT EF.CardAccess (FID 011C) under the current DF by FID, no response
/// data (ISO 7816-4 §11.2.2: P1 02 = select EF under the current DF, P2 0C =
/// no response data). After power-on the current DF is the MF.
const SELECT_EF_CARD_ACCESS: [u8; 7] = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1C];
/// READ BINARY of the current EF from offset 0, Le 00 = up to 256 bytes
/// (ISO 7816-4 §11.3.3).
const READ_BINARY_256: [u8; 5] = [0x00, 0xB0, 0x00, 0x00, 0x00];
/// SELECT the household zone DF by AID D1 58 00 00 01 01, no response data
/// (ISO 7816-4 §11.2.2: P1 04 = select by DF name).
const SELECT_HOUSEHOLD: [u8; 11] = [
    0x00, 0xA4, 0x04, 0x0C, 0x06, 0xD1, 0x58, 0x00, 0x00, 0x01, 0x01,
];
/// READ BINARY of EF.County by short EF identifier 01 (P1 = 80 | SFI,
/// ISO 7816-4 §11.3.3), Le 00.
const READ_BINARY_SFI_COUNTY: [u8; 5] = [0x00, 0xB0, 0x81, 0x00, 0x00];
const APDUS_PER_ITERATION: u64 = 2;

/// Normal processing, and the warning "end of file reached before reading
/// Ne bytes" (ISO 7816-4 table 6): READ BINARY with Le 00 of an EF shorter
/// than 256 bytes returns the whole EF with 6282.
const SW_SUCCESS: [[u8; 2]; 2] = [[0x90, 0x00], [0x62, 0x82]];

/// Both cards succeed on both commands before anything is timed: a
/// benchmark of error answers would measure nothing useful.
fn bench_pair<C: CardEngine>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    card: C,
    pair: [&[u8]; 2],
) {
    let mut emulator = Emulator::new(card, Interface::Contact, None);
    for apdu in pair {
        let response = emulator.transmit(apdu);
        assert!(
            SW_SUCCESS.iter().any(|sw| response.ends_with(sw)),
            "{name}: {} answered {}, not 9000 or 6282",
            hex(apdu),
            hex(&response)
        );
        eprintln!(
            "{name}: {} -> {} data bytes, SW {}",
            hex(apdu),
            response.len().saturating_sub(2),
            sw(&response)
        );
    }
    group.bench_function(name, |b| {
        b.iter(|| {
            black_box(emulator.transmit(black_box(pair[0])));
            black_box(emulator.transmit(black_box(pair[1])));
        })
    });
}

fn sw(response: &[u8]) -> String {
    match response {
        [.., sw1, sw2] => format!("{sw1:02X}{sw2:02X}"),
        _ => "none".into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn in_process(c: &mut Criterion) {
    let ef_pair: [&[u8]; 2] = [&SELECT_EF_CARD_ACCESS, &READ_BINARY_256];
    let df_pair: [&[u8]; 2] = [&SELECT_HOUSEHOLD, &READ_BINARY_SFI_COUNTY];
    for (group_name, pair) in [
        ("select_ef_read_binary", ef_pair),
        ("select_df_read_binary_sfi", df_pair),
    ] {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Elements(APDUS_PER_ITERATION));
        bench_pair(&mut group, "floor", FloorCard, pair);
        bench_pair(&mut group, "neid", neid_card(), pair);
        group.finish();
    }
}

criterion_group!(benches, in_process);
criterion_main!(benches);
