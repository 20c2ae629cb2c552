"""``EncryptedStatement``: who holds which key or share, what the server sees, what is NOT protected."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EncryptedStatement"]

_NOT_PROTECTED = (
    "the outputs: the data owner learns the model's scores for its rows, and anyone it shares them with learns "
    "them too",
    "membership via outputs: scores can still reveal whether a person was in the training data (no differential "
    "privacy; epsilon = inf)",
    "the number of rows and features (ciphertext counts and sizes are visible)",
)


@dataclass(frozen=True)
class EncryptedStatement:
    """What encrypted inference protects, from whom, at what security level; no differential privacy (ε = ∞).

    Attributes
    ----------
    scheme : str
        ``"ckks"`` (homomorphic encryption, TenSEAL) or ``"mpc"`` (secret sharing, CrypTen).
    parameters : Mapping
        The parameter set (CKKS: N, modulus chain, scale, depth) or the parties and fixed-point precision (MPC).
    security_bits : int or None
        Classical security of the CKKS parameters by the HE standard table; ``None`` for CrypTen, whose shares come
        from torch's non-cryptographic generators (a research prototype).
    key_holders : Mapping
        Who holds which key or share.
    server_sees : str
    not_protected : tuple of str
    model_protected_from_data_owner : bool
        False for CKKS (the server holds the model in the clear, and the data owner of an MLP sees the hidden
        layer); True for MPC (the model is secret-shared).
    hidden_layer_revealed : bool
        True when the data owner decrypts the first layer of an MLP and finishes it in the clear.

    Examples
    --------
    >>> s = EncryptedStatement("ckks", {"poly_modulus_degree": 8192}, security_bits=128,
    ...                        key_holders={"data owner": "secret key"}, server_sees="ciphertexts only")
    >>> s.epsilon, s.technique, s.to_dict()["epsilon"]
    (inf, 'encrypted', 'inf')
    """

    scheme: str
    parameters: Mapping[str, Any]
    security_bits: int | None
    key_holders: Mapping[str, str]
    server_sees: str
    not_protected: tuple[str, ...] = _NOT_PROTECTED
    model_protected_from_data_owner: bool = False
    hidden_layer_revealed: bool = False
    notes: tuple[str, ...] = field(default=())
    technique: str = "encrypted"
    epsilon: float = math.inf
    delta: float = 0.0

    @property
    def guarantee(self) -> str:
        level = f"{self.security_bits}-bit" if self.security_bits else "prototype-grade (no stated bit)"
        if self.scheme == "ckks":
            return f"the server sees only CKKS ciphertexts ({level} security); no differential privacy"
        return f"each party sees only secret shares ({level} security, semi-honest, no collusion); no DP"

    def plain_language(self) -> str:
        """One paragraph a data protection officer can read."""
        holders = "; ".join(f"{who}: {what}" for who, what in self.key_holders.items())
        parts = [
            f"Encrypted inference ({'CKKS homomorphic encryption' if self.scheme == 'ckks' else 'secure MPC'}). "
            f"Who holds what: {holders}. The server sees {self.server_sees}.",
        ]
        if self.security_bits:
            parts.append(
                f"The parameters give {self.security_bits}-bit classical security by the Homomorphic Encryption "
                "Standard's table."
            )
        else:
            parts.append(
                "CrypTen draws its shares from torch's non-cryptographic generators: a research prototype, no "
                "stated security level."
            )
        if self.hidden_layer_revealed:
            parts.append(
                "The data owner decrypts the model's first hidden layer and finishes the model in the clear, so it "
                "learns those hidden values (and needs the rest of the model)."
            )
        if not self.model_protected_from_data_owner and self.scheme == "ckks":
            parts.append("The model is not encrypted: the server holds it in the clear.")
        parts.append("NOT protected: " + "; ".join(self.not_protected) + ".")
        parts.extend(self.notes)
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able data (ε = ∞ as the string ``"inf"``)."""
        return {
            "technique": self.technique,
            "scheme": self.scheme,
            "parameters": dict(self.parameters),
            "security_bits": self.security_bits,
            "key_holders": dict(self.key_holders),
            "server_sees": self.server_sees,
            "not_protected": list(self.not_protected),
            "model_protected_from_data_owner": self.model_protected_from_data_owner,
            "hidden_layer_revealed": self.hidden_layer_revealed,
            "notes": list(self.notes),
            "guarantee": self.guarantee,
            "epsilon": "inf",
            "delta": self.delta,
        }

    def _repr_html_(self) -> str:
        return f"<p class='wb-statement'><b>Encrypted inference.</b> {html.escape(self.plain_language())}</p>"
