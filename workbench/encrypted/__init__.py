"""Encrypted computation: predictions on rows the server never sees (CKKS with TenSEAL, MPC with CrypTen).

TenSEAL and CrypTen are imported on first use; a missing one is a one-line error naming the install command.
"""

from workbench.encrypted.inference import encrypted_inference
from workbench.encrypted.params import (
    HE_STANDARD_MAX_LOG_Q,
    PARAMETER_SETS,
    CKKSParameters,
    InsufficientDepthError,
    choose_parameters,
    security_level,
)
from workbench.encrypted.result import PHASES, EncryptedResult
from workbench.encrypted.statement import EncryptedStatement

__all__ = [
    "HE_STANDARD_MAX_LOG_Q",
    "PARAMETER_SETS",
    "PHASES",
    "CKKSParameters",
    "EncryptedResult",
    "EncryptedStatement",
    "InsufficientDepthError",
    "choose_parameters",
    "encrypted_inference",
    "security_level",
]
