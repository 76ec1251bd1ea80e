//! `neid read household [--json]`.

use crate::args::CardArgs;

pub fn household(card: &CardArgs, json: bool) -> anyhow::Result<()> {
    let mut transport = crate::source::open(card)?;
    let household = terminal::read_household(transport.as_mut())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&household.to_json())?);
    } else {
        println!("{household}");
    }
    Ok(())
}
