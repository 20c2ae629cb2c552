"""A read-only Jupyter authorizer, as an RBAC set-up (JupyterHub's ``read:users:files`` scopes) gives a viewer."""

from __future__ import annotations

from jupyter_server.auth.authorizer import Authorizer


class ReadOnlyAuthorizer(Authorizer):
    """Allow every ``read`` action and nothing else."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        return action == "read"
