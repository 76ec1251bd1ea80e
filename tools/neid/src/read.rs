//! `neid read household [--json]` and `neid read public (--can | --mrz |
//! --mrz-info) [--trust DIR] [--json]`.

use anyhow::{Context, bail};
use terminal::public::{FIELD_COUNT, PUBLIC_AID, PublicEf};
use terminal::{establish_pace, read_binary_sfi, select_aid};

use crate::args::{CardArgs, PublicArgs};
use crate::pki::{self, Chain};

/// EF.SOD of the public zone: FID `0110`, SFI `10` (docs/spec/public.md).
const SFI_SOD: u8 = 0x10;

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

/// PACE, the nine fields and EF.SOD under SM, decode, verify. Exit status
/// non-zero when PACE fails, a field is altered, the signature or (with
/// `--trust`) the chain does not hold.
pub fn public(args: &PublicArgs) -> anyhow::Result<()> {
    let Some(password) = args.password.input() else {
        bail!("one of --can, --mrz, --mrz-info is required");
    };
    // Trust first: a bad --trust must fail before the card is touched.
    let trust = args.trust.as_deref().map(pki::load_trust).transpose()?;
    let mut transport = crate::source::open(&args.card)?;
    let mut channel = establish_pace(transport.as_mut(), password, &mut rand::rng())?;

    select_aid(&mut channel, &PUBLIC_AID).context("public zone")?;
    let mut contents: Vec<Vec<u8>> = Vec::with_capacity(FIELD_COUNT);
    for ef in PublicEf::ALL {
        contents.push(read_binary_sfi(&mut channel, ef.sfi()).with_context(|| ef.to_string())?);
    }
    let sod = read_binary_sfi(&mut channel, SFI_SOD).context("EF.SOD (0110, SFI 10)")?;
    let fields: [Vec<u8>; FIELD_COUNT] =
        contents.clone().try_into().map_err(|_| anyhow::anyhow!("public zone: expected {FIELD_COUNT} fields"))?;
    // The error names the EF and the rule in one line (its source is repeated in it).
    let data = terminal::public::decode(&fields).map_err(|e| anyhow::anyhow!("{e}"))?;

    let now = pki_now()?;
    let report = pki::check_security_object(&sod, &contents, trust.as_deref(), now);
    if args.json {
        let mut json = data.to_json();
        json["security_object"] = report.to_json();
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!("{data}");
        println!();
        println!("{}", report.to_text());
    }
    if let Some(problem) = report.problem() {
        bail!(problem);
    }
    if let Chain::NotChecked = report.chain {
        eprintln!("neid: note: chain not verified (no --trust): the signature is checked against the document signer certificate in EF.SOD only");
    }
    Ok(())
}

fn pki_now() -> anyhow::Result<::pki::DateTime> {
    ::pki::DateTime::from_system_time(std::time::SystemTime::now()).context("system clock outside the X.509 date range")
}
