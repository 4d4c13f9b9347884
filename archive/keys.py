"""The archive's signing key: Ed25519, made on first use, kept in `SOHOA_HOME/keys`.

It signs the trail's checkpoints (`archive.checkpoints`). The private key never leaves the
archive's machine; the public key, and its fingerprint printed on every audit report, is what an
auditor checks a checkpoint against. Whoever can read the private key can sign, which is why an
auditor also keeps checkpoints outside the archive (`sohoa trail checkpoint --out`).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_FILE = "trail-ed25519.pem"
PUBLIC_FILE = "trail-ed25519.pub"


class KeyProblem(Exception):
    """The archive's key cannot be read or made."""


@dataclass(frozen=True)
class PublicKey:
    """The half of the key anyone may hold: it checks signatures and names the signer."""

    raw: bytes  # 32 bytes

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the raw public key, hex: what people compare by eye."""
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def name(self) -> str:
        """The key's name in a signed note (C2SP signed-note): the archive it speaks for."""
        return f"sohoa-{self.fingerprint[:16]}"

    @property
    def key_hash(self) -> bytes:
        """The 4 bytes a signed note puts before a signature to say which key made it."""
        return hashlib.sha256(self.name.encode() + b"\n\x01" + self.raw).digest()[:4]

    @property
    def verifier(self) -> str:
        """The key as a signed-note verifier string: `name+keyhash+base64(0x01 || key)`."""
        encoded = base64.b64encode(b"\x01" + self.raw).decode()
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    def is_signature(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return PublicKey(raw)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def load_or_create(keys_dir: Path) -> SigningKey:
    """The archive's key; made (readable by its owner only) the first time it is needed."""
    path = keys_dir / PRIVATE_FILE
    if not path.exists():
        _create(keys_dir)
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise KeyProblem(f"cannot read the archive's signing key {path}: {error}") from error
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyProblem(f"{path} is not an Ed25519 key")
    return SigningKey(private)


def load_public(keys_dir: Path) -> PublicKey | None:
    """The archive's public key, or None when no key was ever made (nothing was signed)."""
    path = keys_dir / PUBLIC_FILE
    if not path.exists():
        return None
    try:
        raw = base64.b64decode(path.read_text().strip().split("+", 2)[2])[1:]
    except (OSError, ValueError, IndexError) as error:
        raise KeyProblem(f"cannot read the archive's public key {path}: {error}") from error
    if len(raw) != 32:
        raise KeyProblem(f"{path} does not hold an Ed25519 public key")
    return PublicKey(raw)


def _create(keys_dir: Path) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True)
    keys_dir.chmod(0o700)
    key = SigningKey(Ed25519PrivateKey.generate())
    pem = key.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(keys_dir / PRIVATE_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    (keys_dir / PUBLIC_FILE).write_text(key.public.verifier + "\n")
