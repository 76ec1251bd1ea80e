//! Encrypted zone (`D1 58 00 00 01 03`, DF `DF03`): seven field EFs and a
//! security object (docs/spec/encrypted.md). A field is readable on the
//! contact interface only, under secure messaging after PACE with PIN1,
//! Terminal Authentication whose effective CHAT grants that field's read
//! right, and Chip Authentication v2 (chip.md, docs/spec/eac.md). The
//! security object needs PACE with PIN1 on the contact interface.
//!
//! Personalization also writes what EAC needs at card level ([`EacSetup`]):
//! the CVCA trust point, the card's initial current date, the static Chip
//! Authentication key and EF.CardSecurity.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::fs::Node;
use card_os::protocol::ca::CaCipher;
use card_os::protocol::cvc::{CvCertificate, CvDate, TrustPoint};
use card_os::protocol::StandardizedDomainParameters;
use card_os::security::{AccessCondition, PacePassword, TerminalRight};
use card_os::ta::{self, ca_v2};
use card_os::{Applet, CommandContext, Response, StatusWord};

use crate::encrypted_fields::{self, FIELD_COUNT};
use crate::error::PersoError;
use crate::{layout, registry_update};

pub const AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x03];
pub const FID: u16 = 0xDF03;
pub const LABEL: &str = "Encrypted data";
/// Field EFs `0101..=0107` with SFI `01..=07`.
pub const FIELD_FIDS: core::ops::RangeInclusive<u16> = 0x0101..=0x0107;
pub const FID_SOD: u16 = 0x0110;
pub const SFI_SOD: u8 = 0x10;
/// EF.CardSecurity at the MF (TR-03110-3 A.1.2.2): readable after PACE.
pub const FID_EF_CARD_SECURITY: u16 = 0x011D;
pub const SFI_EF_CARD_SECURITY: u8 = 0x1D;

/// Contact only, SM after PACE with PIN1, the TA right for field `n` (1..=7), and CA v2.
pub fn field_read_rule(n: u8) -> AccessCondition {
    AccessCondition::contact_only(AccessCondition::AllOf(vec![
        AccessCondition::secure_messaging(&[PacePassword::Pin]),
        AccessCondition::TerminalRight(TerminalRight::ReadEncryptedField(n)),
        AccessCondition::ChipAuthenticated,
    ]))
}

pub fn sod_read_rule() -> AccessCondition {
    AccessCondition::contact_only(AccessCondition::secure_messaging(&[PacePassword::Pin]))
}

/// EF.CardSecurity: after PACE with any password (chip.md §Card-level files).
pub fn card_security_read_rule() -> AccessCondition {
    AccessCondition::secure_messaging(&PacePassword::ALL)
}

/// What personalization writes into the encrypted zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedZoneInput {
    /// EF contents of fields 1..=7 (from `encrypted_fields::encode`).
    pub fields: [Vec<u8>; FIELD_COUNT],
    /// CMS SignedData over the field hashes (docs/spec/security-object.md).
    pub security_object: Vec<u8>,
}

impl EncryptedZoneInput {
    fn check(&self) -> Result<(), PersoError> {
        for (n, content) in (1u8..).zip(self.fields.iter()) {
            if encrypted_fields::decode_field(n, content).is_none() {
                return Err(PersoError::Eac {
                    field: "encrypted.fields",
                    rule: "each must be exactly A0+n { 80 value } (docs/spec/encrypted.md)",
                });
            }
        }
        if self.security_object.is_empty() {
            return Err(PersoError::Eac { field: "encrypted.security_object", rule: "must not be empty" });
        }
        Ok(())
    }
}

/// The card-level EAC data (docs/spec/eac.md §Personalization).
#[derive(Clone, PartialEq, Eq)]
pub struct EacSetup {
    /// The CVCA certificate (`7F21`) the card trusts.
    pub cvca_certificate: Vec<u8>,
    /// The card's initial current date (the issue date).
    pub current_date: CvDate,
    /// The static Chip Authentication key pair's curve, cipher and private key.
    pub ca_domain: StandardizedDomainParameters,
    pub ca_cipher: CaCipher,
    pub ca_private_key: Vec<u8>,
    /// EF.CardSecurity: CMS SignedData over SecurityInfos (TR-03110-3 A.1.2.2).
    pub card_security: Vec<u8>,
    /// The management-system key registry updates are verified with
    /// (uncompressed P-384 point: the DS certificate's public key).
    pub management_key: Vec<u8>,
}

impl core::fmt::Debug for EacSetup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EacSetup").field("current_date", &self.current_date).finish_non_exhaustive()
    }
}

impl EacSetup {
    /// The NVM objects card-os reads for TA, CA v2 and registry updates.
    pub fn objects(&self) -> Result<BTreeMap<String, Vec<u8>>, PersoError> {
        let cvca = CvCertificate::from_bytes(&self.cvca_certificate)
            .map_err(|_| PersoError::Eac { field: "eac.cvca", rule: "must be a CV certificate (TR-03110-3 C.1)" })?;
        TrustPoint::from_cvca(&cvca).map_err(|_| PersoError::Eac {
            field: "eac.cvca",
            rule: "must be a CVCA certificate with domain parameters (TR-03110-3 D.3.3)",
        })?;
        self.ca_domain.check_private_key(&self.ca_private_key).map_err(|_| PersoError::Eac {
            field: "eac.ca_private_key",
            rule: "must be a private key on the CA domain parameters",
        })?;
        if self.ca_cipher.aes().is_none() {
            return Err(PersoError::Eac { field: "eac.ca_cipher", rule: "CA v2 runs with AES only" });
        }
        if self.card_security.is_empty() {
            return Err(PersoError::Eac { field: "eac.card_security", rule: "must not be empty" });
        }
        let mut objects = BTreeMap::new();
        objects.insert(String::from(ta::OBJECT_CVCA), self.cvca_certificate.clone());
        objects.insert(String::from(ta::OBJECT_CURRENT_DATE), self.current_date.encode().to_vec());
        objects.insert(
            String::from(ta::OBJECT_CA_KEY),
            ca_v2::encode_ca_key(self.ca_domain, self.ca_cipher, &self.ca_private_key),
        );
        objects.insert(String::from(registry_update::OBJECT_MANAGEMENT_KEY), self.management_key.clone());
        Ok(objects)
    }

    /// EF.CardSecurity at the MF.
    pub fn card_security_ef(&self) -> Node {
        layout::ef(
            FID_EF_CARD_SECURITY,
            Some(SFI_EF_CARD_SECURITY),
            card_security_read_rule(),
            AccessCondition::Never,
            self.card_security.clone(),
        )
    }
}

/// The zone's DF; its EFs are empty when `contents` is `None`.
pub fn df_with(contents: Option<&EncryptedZoneInput>) -> Result<Node, PersoError> {
    if let Some(contents) = contents {
        contents.check()?;
    }
    let mut children: Vec<Node> = FIELD_FIDS
        .zip(0usize..)
        .map(|(fid, index)| {
            let sfi = fid.to_be_bytes()[1];
            let data = contents.and_then(|c| c.fields.get(index).cloned()).unwrap_or_default();
            layout::ef(fid, Some(sfi), field_read_rule(sfi), AccessCondition::Never, data)
        })
        .collect();
    let sod = contents.map(|c| c.security_object.clone()).unwrap_or_default();
    children.push(layout::ef(FID_SOD, Some(SFI_SOD), sod_read_rule(), AccessCondition::Never, sod));
    Ok(layout::application(Some(FID), AID, children))
}

/// The empty zone.
pub fn df() -> Node {
    let mut children: Vec<Node> = FIELD_FIDS
        .map(|fid| {
            let sfi = fid.to_be_bytes()[1];
            layout::ef(fid, Some(sfi), field_read_rule(sfi), AccessCondition::Never, Vec::new())
        })
        .collect();
    children.push(layout::ef(FID_SOD, Some(SFI_SOD), sod_read_rule(), AccessCondition::Never, Vec::new()));
    layout::application(Some(FID), AID, children)
}

pub struct EncryptedApplet;

impl Applet for EncryptedApplet {
    /// Registry-office updates (PUT DATA, docs/spec/eac.md §Registry-office updates).
    fn process(&self, ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
        registry_update::process(ctx, cmd, &registry_update::ENCRYPTED_ZONE)
    }

    fn supports_chaining(&self, ins: u8) -> bool {
        ins == registry_update::INS_PUT_DATA
    }

    /// Only a session from PACE with PIN1 reaches the encrypted zone (chip.md).
    fn in_pace_scope(&self, password: PacePassword) -> bool {
        password == PacePassword::Pin
    }
}
