"""Privacy audits: membership inference (threshold, RMIA, LiRA), ROC, TPR at low FPR, empirical epsilon, linkage."""

from workbench.audit.attacks import available_attacks, register_attack
from workbench.audit.cost import AuditCost, estimate_cost
from workbench.audit.inference import membership_inference
from workbench.audit.linkage import LinkageAudit, linkage_audit
from workbench.audit.metrics import EpsilonBound
from workbench.audit.result import AuditResult

__all__ = [
    "AuditCost",
    "AuditResult",
    "EpsilonBound",
    "LinkageAudit",
    "available_attacks",
    "estimate_cost",
    "linkage_audit",
    "membership_inference",
    "register_attack",
]
