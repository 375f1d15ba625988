"""A software WebAuthn authenticator (ES256, "none" attestation) for tests that need answers to the server's own
options: it signs like a platform authenticator would, and each answer can be bent (another origin, another RP
id, no user verification, a counter set back) to test a check. Recorded answers for the ceremony checks are in
tests/passkeys/fixtures/, made by `record()` below once."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    origin: str = "https://recovery.example.test"
    rp_id: str = "recovery.example.test"
    credential_id: bytes = b"\x01" * 16
    sign_count: int = 0
    synced: bool = False  # a synced passkey keeps its counter at 0
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    user_handle: bytes = b""

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _auth_data(self, flags: int, rp_id: str | None, attested: bool = False) -> bytes:
        rp_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        if not self.synced:
            self.sign_count += 1
        data = rp_hash + bytes([flags | (BE | BS if self.synced else 0)]) + struct.pack(">I", self.sign_count)
        if attested:
            data += b"\x00" * 16 + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def register(self, options: dict, *, origin: str | None = None, rp_id: str | None = None,
                 uv: bool = True) -> dict:
        """The RegistrationResponseJSON a browser sends for these PublicKeyCredentialCreationOptions JSON."""
        self.user_handle = unb64(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], origin or self.origin)
        auth_data = self._auth_data(UP | AT | (UV if uv else 0), rp_id, attested=True)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id), "type": "public-key",
                "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation),
                             "transports": ["internal"]},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}

    def assert_(self, options: dict, *, origin: str | None = None, rp_id: str | None = None, uv: bool = True,
                credential_id: bytes | None = None) -> dict:
        """The AuthenticationResponseJSON for these PublicKeyCredentialRequestOptions JSON."""
        client_data = self._client_data("webauthn.get", options["challenge"], origin or self.origin)
        auth_data = self._auth_data(UP | (UV if uv else 0), rp_id)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        raw_id = credential_id or self.credential_id
        return {"id": b64(raw_id), "rawId": b64(raw_id), "type": "public-key",
                "response": {"clientDataJSON": b64(client_data), "authenticatorData": b64(auth_data),
                             "signature": b64(signature), "userHandle": b64(self.user_handle)},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}

    def private_key_pem(self) -> str:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()

    @classmethod
    def from_pem(cls, pem: str, **kwargs) -> SoftAuthenticator:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cls(key=key, **kwargs)
