//! Certificate zone: the PKCS#15 application (ISO/IEC 7816-15) `A0 00 00 00
//! 63 50 4B 43 53 2D 31 35`, DF `5015` (docs/spec/certificate-zone.md).
//!
//! Key pairs generated on the card inside an issuer session (SCP03), X.509
//! certificates written by the issuer with PUT DATA, and the private-key
//! operations after PIN2: MSE:SET, PSO:COMPUTE DIGITAL SIGNATURE,
//! PSO:DECIPHER, INTERNAL AUTHENTICATE. Private keys are image objects
//! `cert.key.NN`, never files: no command reads them.
//!
//! | module | idea |
//! |---|---|
//! | `slots` | the five key slots and six certificate slots |
//! | `keys` | generation, private-key objects, DO'7F49' and SubjectPublicKeyInfo |
//! | `pkcs15` | DER of EF.ODF, TokenInfo, AODF, PrKDF, PuKDF, CDF |
//! | `directory` | the zone's EFs in the image; rebuilding the directory files |
//! | `command` | the APDUs decoded into `Command` |
//! | `generate`, `put_data`, `key_use` | the command handlers |
//! | `security_environment` | MSE:SET state (volatile) and the algorithm references |
//! | `operations` | the RSA / ECDSA / ECDH private operations |
//! | `rules` | the access rules |
//! | `perso` | the personalized zone and its option object |

pub mod command;
pub mod directory;
pub mod generate;
pub mod key_use;
pub mod keys;
pub mod operations;
pub mod perso;
pub mod pkcs15;
pub mod put_data;
pub mod rules;
pub mod security_environment;
pub mod slots;

use card_os::apdu::{CommandApdu, class};
use card_os::security::PacePassword;
use card_os::{Applet, CardImage, CommandContext, Response, StatusWord};

pub use command::Command;
pub use perso::{CertificatePerso, OBJECT_CONFIG, df, objects, secure_messaging};
pub use slots::{CERTIFICATE_SLOTS, KEY_SLOTS, KeyKind, KeyRef};

/// PKCS#15 application identifier (ISO 7816-15 §8.2: RID A000000063 + "PKCS-15").
pub const AID: &[u8] = &[0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35];
pub const FID: u16 = 0x5015;
pub const LABEL: &str = "Certificates";
/// The PKCS#15 files (ISO 7816-15 §8.2-8.10).
pub const FID_ODF: u16 = 0x5031;
pub const FID_TOKEN_INFO: u16 = 0x5032;
pub const FID_AODF: u16 = 0x4401;
pub const FID_PRKDF: u16 = 0x4402;
pub const FID_PUKDF: u16 = 0x4403;
pub const FID_CDF: u16 = 0x4404;

/// The zone's applet. It carries the zone's secure-messaging option, read
/// once from the image's `cert.config` (`for_image`; the option never
/// changes after personalization): the one source for the PACE scope rule
/// (`in_pace_scope` sees no image) and for the access rules of every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateApplet {
    secure_messaging: bool,
}

impl CertificateApplet {
    /// The applet for a personalized image (its `cert.config`).
    pub fn for_image(image: &CardImage) -> CertificateApplet {
        CertificateApplet { secure_messaging: secure_messaging(image) }
    }
}

impl Applet for CertificateApplet {
    fn process(&self, ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
        // Inside an SCP03 session a class-84 command arrives as its ISO
        // command (class 00; docs/spec/scp03.md §Session rules).
        if !class::is_interindustry(cmd.cla) {
            return Err(StatusWord::ClaNotSupported);
        }
        let sm = self.secure_messaging;
        match Command::decode(cmd)? {
            Command::GenerateKeyPair { key } => generate::generate(ctx, key, cmd.ne),
            Command::ReadPublicKey { key } => generate::read_public_key(ctx, key, sm),
            Command::PutCertificate { slot, certificate } => put_data::put_certificate(ctx, slot, certificate),
            Command::MseSet { template, crt } => key_use::mse_set(ctx, template, crt, sm),
            Command::ComputeDigitalSignature { input } => key_use::compute_digital_signature(ctx, input, sm),
            Command::Decipher { input } => key_use::decipher(ctx, input, sm),
            Command::InternalAuthenticate { algorithm, key, challenge } => {
                key_use::internal_authenticate(ctx, algorithm, key, challenge, sm)
            }
        }
    }

    /// A certificate (PUT DATA) and a 2048-bit cryptogram (PSO:DECIPHER) do
    /// not fit a short APDU (ISO 7816-4 §5.3.3).
    fn supports_chaining(&self, ins: u8) -> bool {
        matches!(ins, command::INS_PUT_DATA | command::INS_PSO)
    }

    /// With secure messaging the zone keeps sessions of CAN, MRZ and PIN1
    /// (docs/spec/pace.md §Scope); without it, none.
    fn in_pace_scope(&self, password: PacePassword) -> bool {
        self.secure_messaging && rules::SM_PASSWORDS.contains(&password)
    }
}
