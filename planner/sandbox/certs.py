"""Certificates for the simulated control plane (one CA, serving cert, admin client, SA keys)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

_VALIDITY = dt.timedelta(days=365)


@dataclass(frozen=True)
class CertPaths:
    """Where the PKI files of one sandbox live."""

    dir: Path

    def __getattr__(self, name: str) -> Path:  # ca_crt -> <dir>/ca.crt
        stem, _, ext = name.rpartition("_")
        if ext not in ("crt", "key", "pub"):
            raise AttributeError(name)
        return self.dir / f"{stem.replace('_', '-')}.{ext}"


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str, org: str | None = None):
    from cryptography.x509 import Name, NameAttribute
    from cryptography.x509.oid import NameOID

    attrs = [NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return Name(attrs)


def _write(path: Path, data: bytes, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        path.chmod(0o600)


def _pem_key(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _sign(subject_key, subject, issuer_key, issuer, *, ca: bool, server: bool = False, client: bool = False,
          dns: tuple[str, ...] = (), ips: tuple[str, ...] = ()):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + (
            [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
        )
        b = b.add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True
        ).add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if dns or ips:
        sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _pem_cert(cert) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)


def generate(cert_dir: Path, service_ip: str = "10.96.0.1") -> CertPaths:
    """Write ca, apiserver, admin, front-proxy and service-account key files into ``cert_dir``."""
    from cryptography.hazmat.primitives import serialization

    cert_dir.mkdir(parents=True, exist_ok=True)
    paths = CertPaths(cert_dir)

    ca_key, ca_name = _key(), _name("stackplan-sandbox-ca")
    ca = _sign(ca_key, ca_name, ca_key, ca_name, ca=True)
    _write(paths.ca_crt, _pem_cert(ca))
    _write(paths.ca_key, _pem_key(ca_key), private=True)

    def leaf(stem: str, subject, issuer_key, issuer_name, **kw) -> None:
        key = _key()
        cert = _sign(key, subject, issuer_key, issuer_name, ca=False, **kw)
        _write(cert_dir / f"{stem}.crt", _pem_cert(cert))
        _write(cert_dir / f"{stem}.key", _pem_key(key), private=True)

    leaf(
        "apiserver", _name("kube-apiserver"), ca_key, ca_name, server=True,
        dns=("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
             "kubernetes.default.svc.cluster.local"),
        ips=("127.0.0.1", service_ip),
    )
    leaf("admin", _name("stackplan-admin", "system:masters"), ca_key, ca_name, client=True)

    fp_key, fp_name = _key(), _name("stackplan-front-proxy-ca")
    fp_ca = _sign(fp_key, fp_name, fp_key, fp_name, ca=True)
    _write(paths.front_proxy_ca_crt, _pem_cert(fp_ca))
    leaf("front-proxy-client", _name("front-proxy-client"), fp_key, fp_name, client=True)

    sa_key = _key()
    _write(paths.sa_key, _pem_key(sa_key), private=True)
    _write(
        paths.sa_pub,
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    return paths
