//! In-process cost of the card itself: SELECT EF.CardAccess + READ BINARY
//! through `Emulator::transmit`, no transport. Throughput is counted in
//! APDUs (two per iteration), so criterion's `elem/s` reads as APDUs/s.
//!
//! `cargo bench -p neid-emulator --bench in_process`

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use emulator::{CardEngine, Emulator, FloorCard, Interface, TestCard};

/// The card measured as "neid".
// ===== LEAD: swap the one body line below for `card_os::card::Card` personalized from
// ===== profiles/reference/adult.toml.
fn neid_card() -> impl CardEngine + 'static {
    TestCard::new(256)
}

/// SELECT EF.CardAccess (FID 011C, readable without authentication, chip.md)
/// under the current DF by FID, no response data (ISO 7816-4 §11.2.2:
/// P1 02 = select EF under the current DF, P2 0C = no response data).
/// TestCard does not know SELECT (6D00); it still reads its one EF.
const SELECT_EF_CARD_ACCESS: [u8; 7] = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1C];
/// READ BINARY from offset 0, Le 00 = up to 256 bytes (ISO 7816-4 §11.3.3).
const READ_BINARY_256: [u8; 5] = [0x00, 0xB0, 0x00, 0x00, 0x00];
const APDUS_PER_ITERATION: u64 = 2;

fn bench_card<C: CardEngine>(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, card: C) {
    let mut emulator = Emulator::new(card, Interface::Contact, None);
    let select = emulator.transmit(&SELECT_EF_CARD_ACCESS);
    let read = emulator.transmit(&READ_BINARY_256);
    eprintln!(
        "{name}: SELECT -> SW {}, READ BINARY -> {} data bytes, SW {}",
        sw(&select),
        read.len().saturating_sub(2),
        sw(&read)
    );
    group.bench_function(name, |b| {
        b.iter(|| {
            black_box(emulator.transmit(black_box(&SELECT_EF_CARD_ACCESS)));
            black_box(emulator.transmit(black_box(&READ_BINARY_256)));
        })
    });
}

fn sw(response: &[u8]) -> String {
    match response {
        [.., sw1, sw2] => format!("{sw1:02X}{sw2:02X}"),
        _ => "none".into(),
    }
}

fn in_process(c: &mut Criterion) {
    let mut group = c.benchmark_group("select_read_binary");
    group.throughput(Throughput::Elements(APDUS_PER_ITERATION));
    bench_card(&mut group, "floor", FloorCard);
    bench_card(&mut group, "neid", neid_card());
    group.finish();
}

criterion_group!(benches, in_process);
criterion_main!(benches);
