"""Optional DKIM signing (dkimpy): the bytes signed are the bytes handed to the sender."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

# RFC 8058 §4: both List-Unsubscribe headers must be signed (dkimpy's defaults omit the -Post).
SIGNED_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
                  b"content-type", b"list-id", b"list-unsubscribe", b"list-unsubscribe-post")


@dataclass(frozen=True)
class DkimSigner:
    """Signs complete messages with one domain's key."""

    domain: str
    selector: str
    private_key: bytes

    @classmethod
    def load(cls, domain: str, selector: str, key_path: Path) -> DkimSigner:
        """Read a PEM RSA key of at least 2048 bits, naming the file on any problem."""
        try:
            pem = key_path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"[dkim] key_path: cannot read {key_path}: {exc.strerror}") from exc
        try:
            from cryptography.hazmat.primitives.asymmetric import rsa
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            key = load_pem_private_key(pem, password=None)
        except ImportError as exc:
            raise ConfigError("DKIM signing needs dkimpy and cryptography",
                              hint="pip install 'newsletter[dkim]'") from exc
        except ValueError as exc:
            raise ConfigError(f"[dkim] key_path: {key_path} is not a PEM private key") from exc
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
            raise ConfigError(f"[dkim] key_path: {key_path} must be an RSA key of 2048 bits or more")
        return cls(domain, selector, pem)

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header first."""
        try:
            import dkim
        except ImportError as exc:
            raise ConfigError("DKIM signing needs dkimpy", hint="pip install 'newsletter[dkim]'"
                              ) from exc
        signature: bytes = dkim.sign(
            message, self.selector.encode(), self.domain.encode(), self.private_key,
            canonicalize=(b"relaxed", b"relaxed"), include_headers=list(SIGNED_HEADERS))
        return signature + message
