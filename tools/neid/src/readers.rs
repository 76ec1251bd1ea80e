//! `neid readers`: every PC/SC reader, whether it holds a card, and the ATR.

pub fn run() -> anyhow::Result<()> {
    let readers = terminal::list_readers()?;
    if readers.is_empty() {
        println!("no readers (is the reader plugged in, or vpcd installed for the emulator?)");
    }
    for reader in readers {
        println!("{reader}");
    }
    Ok(())
}
