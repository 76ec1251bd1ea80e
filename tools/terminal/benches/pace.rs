//! PACE in process: the terminal (`terminal::pace`) against the real card
//! runtime (`emulator::NeidCard`, personalized from the adult reference
//! profile), both sides' cryptography counted.
//!
//! * `pace_can_handshake/<id>`: one PACE-CAN run (SELECT MF, READ BINARY
//!   EF.CardAccess, MSE:Set AT, GENERAL AUTHENTICATE ×4) per iteration, for
//!   each standardized domain parameter id 12, 13, 15, 16 (the profile's
//!   `card.pace.domain_parameter_id` changed in memory). `elem/s` reads as
//!   handshakes per second.
//! * `pace_can_read_public_zone`: PACE-CAN, SELECT the public zone and read
//!   its nine fields and EF.SOD under secure messaging (adult profile as is).
//!
//! `cargo bench -p neid-terminal --bench pace`

use std::hint::black_box;
use std::path::Path;

use card_os::protocol::StandardizedDomainParameters;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emulator::{Interface, NeidCard};
use profiles::Profile;
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::pace::{PacePasswordInput, establish_pace};
use terminal::public::{FIELD_COUNT, PUBLIC_AID, PublicEf};
use terminal::{InProcessTransport, Transport, read_binary_sfi, select_aid};

const ADULT_CAN: &str = "012345";
/// EF.SOD of the public zone (docs/spec/public.md).
const SFI_SOD: u8 = 0x10;

fn adult() -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/reference/adult.toml");
    Profile::from_file(&path).expect("the adult reference profile loads")
}

fn card_with_curve(domain: StandardizedDomainParameters) -> InProcessTransport<NeidCard> {
    let mut profile = adult();
    profile.card.pace.domain_parameter_id = domain.id();
    InProcessTransport::new(emulator::emulator_for(&profile, Interface::Contact).expect("card personalizes"))
}

/// PACE-CAN, then the public zone's nine fields and EF.SOD; returns the bytes read.
fn pace_and_read_public(card: &mut impl Transport, can: &PacePasswordInput, rng: &mut StdRng) -> usize {
    let mut channel = establish_pace(card, can, rng).expect("PACE-CAN");
    select_aid(&mut channel, &PUBLIC_AID).expect("SELECT public zone");
    let mut total = 0;
    for ef in PublicEf::ALL {
        total += read_binary_sfi(&mut channel, ef.sfi()).expect("field").len();
    }
    total + read_binary_sfi(&mut channel, SFI_SOD).expect("EF.SOD").len()
}

fn pace(c: &mut Criterion) {
    let can = PacePasswordInput::can(ADULT_CAN).expect("a 6-digit CAN");
    let mut rng = StdRng::seed_from_u64(12);

    let mut group = c.benchmark_group("pace_can_handshake");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    for domain in StandardizedDomainParameters::ALL {
        let mut card = card_with_curve(domain);
        let channel = establish_pace(&mut card, &can, &mut rng).expect("PACE-CAN works before timing");
        assert_eq!(channel.info().domain_parameters, domain);
        drop(channel);
        group.bench_function(format!("{} {domain:?}", domain.id()), |b| {
            b.iter(|| black_box(establish_pace(&mut card, &can, &mut rng).expect("PACE-CAN").info()))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("pace_can_read_public_zone");
    group.sample_size(20);
    let mut card =
        InProcessTransport::new(emulator::emulator_for(&adult(), Interface::Contact).expect("card personalizes"));
    let bytes = pace_and_read_public(&mut card, &can, &mut rng);
    eprintln!("public zone: {FIELD_COUNT} fields + EF.SOD = {bytes} bytes per read");
    group.bench_function("adult (15 NistP384, AES-256)", |b| {
        b.iter(|| black_box(pace_and_read_public(&mut card, &can, &mut rng)))
    });
    group.finish();
}

criterion_group!(benches, pace);
criterion_main!(benches);
