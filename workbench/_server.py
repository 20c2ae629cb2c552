"""Jupyter server extension behind the JupyterLab extension: lists the tutorials and copies one in on request.

Endpoints (both need the server's token or login, like the rest of Jupyter's API, and pass through the server's
authorizer as the ``contents`` resource: ``read`` for ``GET``, ``write`` for ``POST``, so RBAC set-ups such as
JupyterHub's apply):

- ``GET  <base_url>/privacy-workbench/tutorials`` → ``{"tutorials": [{"name": ..., "title": ...}, ...]}``
- ``POST <base_url>/privacy-workbench/tutorials/<name>`` → copies the tutorial to ``notebooks/<name>`` through the
  server's contents manager unless a file is already there (the user's edits are kept) and answers
  ``{"path": "notebooks/<name>", "created": true|false}``.

Enabled by ``etc/jupyter/jupyter_server_config.d/privacy-workbench.json``, which the wheel installs.
"""

from __future__ import annotations

import json
from typing import Any

import nbformat
import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import ensure_async, url_path_join

from workbench.cli import lab as _lab
from workbench.errors import InvalidParameterError

#: URL prefix of this extension's endpoints (under the server's base_url)
NAMESPACE = "privacy-workbench"


#: the Jupyter authorization resource both handlers act on: they list and write notebooks, as the contents API does
AUTH_RESOURCE = "contents"


class TutorialListHandler(APIHandler):
    """``GET``: the bundled tutorials, in order (needs ``read`` on ``contents``)."""

    auth_resource = AUTH_RESOURCE

    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(json.dumps({"tutorials": [t.to_dict() for t in _lab.list_tutorials()]}))


class TutorialCopyHandler(APIHandler):
    """``POST``: make sure ``notebooks/<name>`` exists in the served folder; answer its path (needs ``write`` on
    ``contents``)."""

    auth_resource = AUTH_RESOURCE

    @tornado.web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        try:
            tutorial = _lab.find_tutorial(name)
        except InvalidParameterError as exc:
            raise tornado.web.HTTPError(404, str(exc)) from None
        manager = self.contents_manager
        folder = _lab.TUTORIALS_FOLDER
        path = f"{folder}/{tutorial.name}"
        if await ensure_async(manager.file_exists(path)):
            self.finish(json.dumps({"path": path, "created": False}))
            return
        if not await ensure_async(manager.dir_exists(folder)):
            if await ensure_async(manager.file_exists(folder)):
                raise tornado.web.HTTPError(409, f"'{folder}' is a file; the tutorials need a folder of that name.")
            await ensure_async(manager.save({"type": "directory"}, folder))
        content = nbformat.read(tutorial.path, as_version=4)
        await ensure_async(manager.save({"type": "notebook", "format": "json", "content": content}, path))
        self.set_status(201)
        self.finish(json.dumps({"path": path, "created": True}))


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Entry point Jupyter Server looks up for the module named in ``jpserver_extensions``."""
    return [{"module": "workbench._server"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Register the handlers under ``<base_url>/privacy-workbench/``."""
    web_app = server_app.web_app
    base = url_path_join(web_app.settings["base_url"], NAMESPACE)
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "tutorials"), TutorialListHandler),
            (url_path_join(base, r"tutorials/([^/]+)"), TutorialCopyHandler),
        ],
    )
    server_app.log.info("privacy-workbench server extension loaded at %s", base)
