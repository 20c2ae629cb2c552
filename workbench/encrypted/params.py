"""CKKS parameter sets, their security level (HomomorphicEncryption.org standard) and the depth they give."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench._validation import close_matches
from workbench.errors import InvalidParameterError, UnknownNameError, WorkbenchError

__all__ = [
    "HE_STANDARD_MAX_LOG_Q",
    "PARAMETER_SETS",
    "CKKSParameters",
    "InsufficientDepthError",
    "choose_parameters",
    "parameters_for_scale",
    "security_level",
]

#: Largest total modulus log2(q) (bits) for a ring dimension N at each classical security level, for a ternary
#: secret: Table 1 of the Homomorphic Encryption Security Standard (Albrecht et al., 2018), as used by SEAL.
HE_STANDARD_MAX_LOG_Q: Mapping[int, Mapping[int, int]] = {
    128: {1024: 27, 2048: 54, 4096: 109, 8192: 218, 16384: 438, 32768: 881},
    192: {1024: 19, 2048: 37, 4096: 75, 8192: 152, 16384: 305, 32768: 611},
    256: {1024: 14, 2048: 29, 4096: 58, 8192: 118, 16384: 237, 32768: 476},
}

#: Scale (bits) and special/first prime size used by the parameter sets the workbench builds.
_SCALE_BITS, _OUTER_BITS = 40, 60


class InsufficientDepthError(WorkbenchError, ValueError):
    """The CKKS parameters give fewer multiplicative levels than the model's encrypted computation needs."""


@dataclass(frozen=True)
class CKKSParameters:
    """One CKKS parameter set: ring dimension, modulus chain and scale.

    Attributes
    ----------
    name : str
    poly_modulus_degree : int
        N; a ciphertext holds N/2 values (slots).
    coeff_mod_bit_sizes : tuple of int
        Bit sizes of the modulus chain: the first prime, one prime per multiplicative level, the special prime.
    scale_bits : int
        log2 of the CKKS scale: the fixed-point precision of encrypted values.

    Examples
    --------
    >>> p = PARAMETER_SETS["ckks-8192-d1"]
    >>> p.depth, p.slots, p.log_q, p.security_bits
    (1, 4096, 160, 128)
    """

    name: str
    poly_modulus_degree: int
    coeff_mod_bit_sizes: tuple[int, ...]
    scale_bits: int

    @property
    def depth(self) -> int:
        """Multiplicative levels: one per prime between the first and the special prime."""
        return len(self.coeff_mod_bit_sizes) - 2

    @property
    def slots(self) -> int:
        return self.poly_modulus_degree // 2

    @property
    def log_q(self) -> int:
        """Total modulus size in bits (the special prime included, as the standard counts it)."""
        return sum(self.coeff_mod_bit_sizes)

    @property
    def security_bits(self) -> int:
        """Classical security level by the HE standard (0 when below 128 bits)."""
        return security_level(self.poly_modulus_degree, self.log_q)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "poly_modulus_degree": self.poly_modulus_degree,
            "coeff_mod_bit_sizes": list(self.coeff_mod_bit_sizes),
            "scale_bits": self.scale_bits,
            "depth": self.depth,
            "log_q": self.log_q,
            "security_bits": self.security_bits,
        }


def security_level(poly_modulus_degree: int, log_q: int) -> int:
    """The classical security level (128, 192 or 256 bits; 0 if below 128) of ring dimension N and modulus bits.

    Examples
    --------
    >>> security_level(8192, 218), security_level(8192, 219), security_level(16384, 300)
    (128, 0, 192)
    """
    best = 0
    for bits, table in HE_STANDARD_MAX_LOG_Q.items():
        if log_q <= table.get(poly_modulus_degree, -1):
            best = max(best, bits)
    return best


def _chain(depth: int, scale_bits: int = _SCALE_BITS, outer: int = _OUTER_BITS) -> tuple[int, ...]:
    return (outer, *([scale_bits] * depth), outer)


PARAMETER_SETS: Mapping[str, CKKSParameters] = {
    p.name: p
    for p in (
        CKKSParameters("ckks-8192-d1", 8192, _chain(1), _SCALE_BITS),
        CKKSParameters("ckks-8192-d2", 8192, _chain(2), _SCALE_BITS),
        CKKSParameters("ckks-16384-d4", 16384, _chain(4), _SCALE_BITS),
        CKKSParameters("ckks-16384-d7", 16384, _chain(7), _SCALE_BITS),
        CKKSParameters("ckks-32768-d12", 32768, _chain(12), _SCALE_BITS),
        # the context of TenSEAL's logistic-regression *training* tutorial: 128-bit secure, but a 2^21 scale
        # leaves ~21 bits for a value and its noise; inference with it silently loses precision
        CKKSParameters("tenseal-tutorial", 8192, (40, 21, 21, 21, 21, 21, 21, 40), 21),
    )
}


def choose_parameters(params: str | CKKSParameters | Mapping[str, Any] | None, depth: int) -> CKKSParameters:
    """The parameter set to use for a computation of multiplicative ``depth``.

    ``None`` or ``"auto"``: the smallest 128-bit secure set with a 40-bit scale and enough levels (fastest).
    A name from :data:`PARAMETER_SETS`, a :class:`CKKSParameters`, or a mapping with ``poly_modulus_degree``,
    ``coeff_mod_bit_sizes`` and ``scale_bits``. Refuses sets below 128-bit security and sets too shallow for
    ``depth`` with a one-line error (instead of SEAL's "scale out of bounds" halfway through).

    Examples
    --------
    >>> choose_parameters("auto", 3).name
    'ckks-16384-d4'
    >>> choose_parameters("ckks-8192-d1", 3)
    Traceback (most recent call last):
    ...
    workbench.encrypted.params.InsufficientDepthError: The CKKS parameter set 'ckks-8192-d1' gives ...
    """
    if params is None or params == "auto":
        for p in PARAMETER_SETS.values():
            if p.scale_bits == _SCALE_BITS and p.depth >= depth:
                return p
        raise InsufficientDepthError(
            f"This computation needs multiplicative depth {depth}; the deepest built-in parameter set gives "
            f"{max(p.depth for p in PARAMETER_SETS.values())}. Use a smaller model or pass your own CKKSParameters."
        )
    chosen = _resolve(params)
    if chosen.security_bits < 128:
        limit = HE_STANDARD_MAX_LOG_Q[128].get(chosen.poly_modulus_degree)
        raise InvalidParameterError(
            f"The CKKS parameter set {chosen.name!r} is below 128-bit security: log q = {chosen.log_q} bits at "
            f"N = {chosen.poly_modulus_degree} (the HE standard allows {limit}). Use fewer or smaller primes or a "
            "larger N."
        )
    if chosen.depth < depth:
        raise InsufficientDepthError(
            f"The CKKS parameter set {chosen.name!r} gives multiplicative depth {chosen.depth}, but this computation "
            f"needs {depth} (one level per encrypted multiplication); use params='auto' or "
            f"{choose_parameters('auto', depth).name!r}."
        )
    return chosen


def parameters_for_scale(scale_bits: int, depth: int) -> CKKSParameters:
    """The smallest 128-bit secure parameter set with a ``scale_bits`` scale and ``depth`` levels (the outer primes
    ``scale_bits + 20`` bits, at most 60): the grid of the ``"encrypted"`` trade-off technique.

    Examples
    --------
    >>> p = parameters_for_scale(30, 1)
    >>> p.name, p.coeff_mod_bit_sizes, p.security_bits
    ('ckks-8192-s30-d1', (50, 30, 50), 192)
    """
    if not isinstance(scale_bits, int) or not 20 <= scale_bits <= 50:
        raise InvalidParameterError(f"scale_bits must be an int from 20 to 50; got {scale_bits!r}.")
    outer = min(60, scale_bits + 20)
    chain = _chain(depth, scale_bits, outer)
    for n, limit in HE_STANDARD_MAX_LOG_Q[128].items():
        if n >= 8192 and sum(chain) <= limit:
            return CKKSParameters(f"ckks-{n}-s{scale_bits}-d{depth}", n, chain, scale_bits)
    raise InsufficientDepthError(f"No ring dimension up to 32768 fits depth {depth} at a {scale_bits}-bit scale.")


def _resolve(params: str | CKKSParameters | Mapping[str, Any]) -> CKKSParameters:
    if isinstance(params, CKKSParameters):
        return _checked(params)
    if isinstance(params, str):
        if params not in PARAMETER_SETS:
            matches = close_matches(params, list(PARAMETER_SETS))
            hint = f" Did you mean {matches[0]!r}?" if matches else ""
            raise UnknownNameError(
                f"Unknown CKKS parameter set {params!r}; use 'auto' or one of {', '.join(PARAMETER_SETS)}.{hint}"
            )
        return PARAMETER_SETS[params]
    if isinstance(params, Mapping):
        missing = {"poly_modulus_degree", "coeff_mod_bit_sizes", "scale_bits"} - set(params)
        if missing:
            raise InvalidParameterError(
                f"CKKS parameters given as a mapping need poly_modulus_degree, coeff_mod_bit_sizes and scale_bits; "
                f"missing {', '.join(sorted(missing))}."
            )
        return _checked(
            CKKSParameters(
                str(params.get("name", "custom")),
                params["poly_modulus_degree"],
                tuple(params["coeff_mod_bit_sizes"]),
                params["scale_bits"],
            )
        )
    raise InvalidParameterError(
        f"The 'params' parameter of encrypted_inference must be None, 'auto', a parameter-set name, a "
        f"CKKSParameters or a mapping; got {params!r}."
    )


def _checked(p: CKKSParameters) -> CKKSParameters:
    n, chain = p.poly_modulus_degree, p.coeff_mod_bit_sizes
    if n not in HE_STANDARD_MAX_LOG_Q[128]:
        raise InvalidParameterError(
            f"poly_modulus_degree must be one of {', '.join(map(str, HE_STANDARD_MAX_LOG_Q[128]))}; got {n!r}."
        )
    if len(chain) < 3 or not all(isinstance(b, int) and 20 <= b <= 60 for b in chain):
        raise InvalidParameterError(
            f"coeff_mod_bit_sizes must hold at least 3 prime sizes between 20 and 60 bits; got {list(chain)!r}."
        )
    if not isinstance(p.scale_bits, int) or not 20 <= p.scale_bits < chain[0]:
        raise InvalidParameterError(
            f"scale_bits must be an int from 20 to below the first prime's {chain[0]} bits; got {p.scale_bits!r}."
        )
    return p
