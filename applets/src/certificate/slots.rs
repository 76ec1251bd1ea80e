//! The zone's fixed layout: five key slots and six certificate slots
//! (docs/spec/certificate-zone.md §Slots). Every other module names a slot
//! through these tables, never through its bytes.

/// Key algorithm of a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with a 2048-bit modulus and public exponent 65537.
    Rsa2048,
    /// ECC on NIST P-384 (secp384r1).
    EcP384,
}

/// What a slot's key is for (the certificate's keyUsage; the algorithms
/// MSE:SET and INTERNAL AUTHENTICATE allow with it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// RSA: PSO:COMPUTE DIGITAL SIGNATURE and INTERNAL AUTHENTICATE.
    SignatureAuthentication,
    /// RSA: PSO:DECIPHER (key transport).
    Decipherment,
    /// ECC: PSO:CDS, INTERNAL AUTHENTICATE and ECDH (PSO:DECIPHER).
    SignatureAgreement,
}

/// A key reference `01`..`05` (P2 of GENERATE, DO'84' of MSE:SET, P2 b5-b1
/// of INTERNAL AUTHENTICATE; iD and keyReference in the PrKDF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyRef(u8);

/// One key slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySlot {
    pub key_ref: KeyRef,
    pub kind: KeyKind,
    pub usage: KeyUse,
    /// FID of the EF that holds its SubjectPublicKeyInfo.
    pub public_key_fid: u16,
    /// Image object holding the private key (never a file).
    pub object: &'static str,
    /// PKCS#15 label of the private and the public key object.
    pub label: &'static str,
}

/// The five key slots, in key-reference order.
pub const KEY_SLOTS: [KeySlot; 5] = [
    KeySlot {
        key_ref: KeyRef(0x01),
        kind: KeyKind::Rsa2048,
        usage: KeyUse::SignatureAuthentication,
        public_key_fid: 0x4421,
        object: "cert.key.01",
        label: "Signature and authentication key",
    },
    KeySlot {
        key_ref: KeyRef(0x02),
        kind: KeyKind::Rsa2048,
        usage: KeyUse::Decipherment,
        public_key_fid: 0x4422,
        object: "cert.key.02",
        label: "Encipherment key",
    },
    KeySlot {
        key_ref: KeyRef(0x03),
        kind: KeyKind::EcP384,
        usage: KeyUse::SignatureAgreement,
        public_key_fid: 0x4423,
        object: "cert.key.03",
        label: "ECC key 1",
    },
    KeySlot {
        key_ref: KeyRef(0x04),
        kind: KeyKind::EcP384,
        usage: KeyUse::SignatureAgreement,
        public_key_fid: 0x4424,
        object: "cert.key.04",
        label: "ECC key 2",
    },
    KeySlot {
        key_ref: KeyRef(0x05),
        kind: KeyKind::EcP384,
        usage: KeyUse::SignatureAgreement,
        public_key_fid: 0x4425,
        object: "cert.key.05",
        label: "ECC key 3",
    },
];

impl KeyRef {
    /// The key reference `value`, if a slot has it.
    pub fn new(value: u8) -> Option<KeyRef> {
        KEY_SLOTS.iter().map(|slot| slot.key_ref).find(|key_ref| key_ref.0 == value)
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn slot(self) -> &'static KeySlot {
        // Every KeyRef comes from KEY_SLOTS (the field is private).
        KEY_SLOTS.iter().find(|slot| slot.key_ref == self).unwrap_or(&KEY_SLOTS[0])
    }
}

/// One certificate slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateSlot {
    /// FID of its EF (also P1-P2 of PUT DATA).
    pub fid: u16,
    /// PKCS#15 iD: the key's iD for user certificates; `11` / `12` for the CA certificates.
    pub id: u8,
    /// CommonCertificateAttributes.authority (ISO 7816-15): a CA certificate.
    pub authority: bool,
    pub label: &'static str,
}

/// The six certificate slots, in FID order.
pub const CERTIFICATE_SLOTS: [CertificateSlot; 6] = [
    CertificateSlot { fid: 0x4431, id: 0x11, authority: true, label: "Root CA certificate" },
    CertificateSlot { fid: 0x4432, id: 0x12, authority: true, label: "Citizen CA certificate" },
    CertificateSlot { fid: 0x4433, id: 0x01, authority: false, label: "Signature and authentication certificate" },
    CertificateSlot { fid: 0x4434, id: 0x02, authority: false, label: "Encipherment certificate" },
    CertificateSlot { fid: 0x4435, id: 0x03, authority: false, label: "ECC certificate 1" },
    CertificateSlot { fid: 0x4436, id: 0x04, authority: false, label: "ECC certificate 2" },
];

/// The certificate slot whose EF is `fid`.
pub fn certificate_slot(fid: u16) -> Option<&'static CertificateSlot> {
    CERTIFICATE_SLOTS.iter().find(|slot| slot.fid == fid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_refs_are_one_to_five() {
        assert_eq!(KeyRef::new(0), None);
        assert_eq!(KeyRef::new(6), None);
        for (value, slot) in (1u8..).zip(KEY_SLOTS.iter()) {
            let key_ref = KeyRef::new(value).unwrap();
            assert_eq!(key_ref.slot(), slot);
            assert_eq!(slot.public_key_fid, 0x4420 + u16::from(value));
        }
    }

    #[test]
    fn certificate_slots_by_fid() {
        assert_eq!(certificate_slot(0x4430), None);
        assert_eq!(certificate_slot(0x4437), None);
        assert_eq!(certificate_slot(0x4433).map(|s| s.id), Some(0x01));
    }
}
