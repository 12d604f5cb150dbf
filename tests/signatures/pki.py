"""A throw-away PKI made in the test: a root CA standing for BSrE's, a signer certificate
carrying a NIK, an expired one, one of another CA, an e-seal certificate and a timestamp
authority (extendedKeyUsage timeStamping). Validity is relative to now, never to a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NIK_KADIS = "7101234567890001"
NIK_STRANGER = "7101234567890099"


@dataclass(frozen=True)
class Identity:
    """A certificate and its key, in the shapes pyHanko wants (asn1crypto)."""

    cert: asn1_x509.Certificate
    key: asn1_keys.PrivateKeyInfo
    pem: bytes


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, serial: str = "", org: str = "Badan Siber dan Sandi Negara") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def _identity(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> Identity:
    der = cert.public_bytes(serialization.Encoding.DER)
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Identity(
        asn1_x509.Certificate.load(der),
        asn1_keys.PrivateKeyInfo.load(key_der),
        cert.public_bytes(serialization.Encoding.PEM),
    )


@dataclass
class _CA:
    name: x509.Name
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def issue(
        self,
        subject: x509.Name,
        *,
        not_before: dt.datetime,
        not_after: dt.datetime,
        timestamping: bool = False,
    ) -> Identity:
        key = _key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if timestamping:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=not timestamping,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        builder = builder.add_extension(usage, critical=True)
        return _identity(builder.sign(self.key, hashes.SHA256()), key)


def _root(cn: str, now: dt.datetime) -> tuple[_CA, Identity]:
    key = _key()
    name = _name(cn)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=365))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _CA(name, key, cert), _identity(cert, key)


@dataclass(frozen=True)
class Pki:
    """The certificates of a test: ``root`` (trusted), ``signer`` (NIK ``NIK_KADIS``),
    ``expired`` (same NIK, not valid after 30 days ago), ``other`` (signed by
    ``other_root``, not trusted), ``stranger`` (trusted, another person's NIK), ``seal``
    (the agency's e-seal) and ``tsa``."""

    root: Identity
    signer: Identity
    expired: Identity
    other_root: Identity
    other: Identity
    stranger: Identity
    seal: Identity
    tsa: Identity

    def write_roots(self, directory: Path) -> Path:
        """The trusted bundle (the root only) as a PEM file in ``directory``."""
        path = directory / "tte-roots.pem"
        path.write_bytes(self.root.pem)
        return path


def make_pki(signer_name: str = "Kepala Dinas Uji") -> Pki:
    now = dt.datetime.now(dt.UTC)
    ca, root = _root("Root CA Uji TTE", now)
    other_ca, other_root = _root("CA Lain", now)
    start, end = now - dt.timedelta(days=30), now + dt.timedelta(days=365)
    return Pki(
        root=root,
        signer=ca.issue(
            _name(signer_name, NIK_KADIS, "Pemerintah Daerah"), not_before=start, not_after=end
        ),
        expired=ca.issue(
            _name(signer_name, NIK_KADIS, "Pemerintah Daerah"),
            not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=30),
        ),
        other_root=other_root,
        other=other_ca.issue(
            _name(signer_name, NIK_KADIS, "Pemerintah Daerah"), not_before=start, not_after=end
        ),
        stranger=ca.issue(
            _name("Orang Lain", NIK_STRANGER, "Pemerintah Daerah"), not_before=start, not_after=end
        ),
        seal=ca.issue(
            _name("Dinas Komunikasi dan Informatika", org="Pemerintah Daerah"),
            not_before=start,
            not_after=end,
        ),
        # The TSA outlives the signers' certificates, as BSrE's does (point-in-time
        # validation at the timestamp's time needs a timestamp still trusted).
        tsa=ca.issue(
            _name("Timestamp Authority Uji"),
            timestamping=True,
            not_before=start,
            not_after=now + dt.timedelta(days=3000),
        ),
    )
