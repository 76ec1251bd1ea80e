//! `neid apdu HEX...`: raw command APDUs, each answered with its data and SW.

use terminal::{Response, Transport};

use crate::args::CardArgs;
use crate::hexarg::parse_apdu;

pub fn run(card: &CardArgs, apdus: &[String]) -> anyhow::Result<()> {
    // Parse everything first: a typo in the third APDU must not leave the
    // first two half-done on the card.
    let commands = apdus
        .iter()
        .enumerate()
        .map(|(i, text)| parse_apdu(i + 1, text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut transport = crate::source::open(card)?;
    for command in commands {
        exchange(transport.as_mut(), &command)?;
    }
    Ok(())
}

/// Sends one APDU and prints `> command` and `< data SW (meaning)`.
pub fn exchange(transport: &mut dyn Transport, command: &[u8]) -> anyhow::Result<Response> {
    println!("> {}", hex::encode_upper(command));
    let response = Response::from_bytes(&transport.transmit(command)?)?;
    println!("< {}", format_response(&response));
    Ok(response)
}

/// `0102 9000 (normal processing)`, or just the SW when there is no data.
pub fn format_response(response: &Response) -> String {
    let sw = format!("{:04X} ({})", response.sw, response.sw_meaning());
    if response.data.is_empty() { sw } else { format!("{} {sw}", hex::encode_upper(&response.data)) }
}
