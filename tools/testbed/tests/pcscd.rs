//! Against the real pcscd and vpcd: start (or reuse) pcscd, see vpcd's two
//! readers, and put vicc on the second reader (`Virtual PCD 00 01`) and
//! take it out again. Needs the Debian packages pcscd, vsmartcard-vpcd,
//! vsmartcard-vpicc and python3-pycryptodome.

use std::time::Duration;

use pcsc::{Context, Protocols, Scope, ShareMode};
use testbed::{
    Pcscd, VPCD_PORT_1, VPCD_READER_0, VPCD_READER_1, Vicc, list_readers, reader::wait_for_reader,
    wait_for_card, wait_for_no_card,
};

const TIMEOUT: Duration = Duration::from_secs(10);
/// SELECT MF by FID, no response data (ISO 7816-4 §11.2.2): a plain APDU
/// vicc answers without crashing.
const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];
const SW_OK: [u8; 2] = [0x90, 0x00];

#[test]
fn pcscd_lists_the_virtual_readers_and_vicc_comes_and_goes() {
    let pcscd = Pcscd::start_or_reuse().unwrap_or_else(|err| panic!("{err}"));
    eprintln!(
        "pcscd pid {} ({})",
        pcscd.pid(),
        if pcscd.started_here() {
            "started here"
        } else {
            "reused"
        }
    );
    for reader in [VPCD_READER_0, VPCD_READER_1] {
        wait_for_reader(reader, TIMEOUT).unwrap_or_else(|err| panic!("{err}"));
    }
    let readers = list_readers().unwrap();
    assert!(
        readers.iter().any(|r| r.contains(VPCD_READER_0)),
        "{readers:?}"
    );
    assert!(
        readers.iter().any(|r| r.contains(VPCD_READER_1)),
        "{readers:?}"
    );

    let reader = wait_for_no_card(VPCD_READER_1, TIMEOUT)
        .unwrap_or_else(|err| panic!("another card sits in {VPCD_READER_1}: {err}"));
    let mut vicc = Vicc::start(VPCD_PORT_1).unwrap_or_else(|err| panic!("{err}"));
    wait_for_card(VPCD_READER_1, Duration::from_secs(20)).unwrap_or_else(|err| {
        let log = std::fs::read_to_string(vicc.log_path()).unwrap_or_default();
        panic!("{err}\nvicc log:\n{log}")
    });

    let context = Context::establish(Scope::User).unwrap();
    let name = std::ffi::CString::new(reader).unwrap();
    let card = context
        .connect(&name, ShareMode::Shared, Protocols::ANY)
        .unwrap();
    let mut buffer = [0; 258];
    assert_eq!(card.transmit(&SELECT_MF, &mut buffer).unwrap(), SW_OK);
    drop(card);
    assert!(vicc.is_running());

    vicc.stop();
    wait_for_no_card(VPCD_READER_1, TIMEOUT).unwrap_or_else(|err| panic!("{err}"));
}
