"""``jiping serve``: the API on localhost against the local cloud, until Ctrl-C."""

from __future__ import annotations

import os
import sys
from typing import Any

from jiping import bootstrap

from infra import constants
from infra.cli.inputs import EXIT_OK, Console


def serve(port: int, tenant: str) -> int:
    """The API as API Gateway would run it, on the local cloud; an API key for ``tenant`` is printed."""
    import signal
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from jiping.portal.interviews import SCOPES, mint_key
    from jiping.portal.workspace import Member

    from infra.localcloud.api_gateway import LocalApi
    from infra.localcloud.cloud import LocalCloud

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            print(
                f"{self.command} {self.path.split('?')[0]} -> {args[1] if len(args) > 1 else ''}",
                file=sys.stderr,
            )

    console = Console()
    console.say("starting the local cloud")
    with LocalCloud() as cloud:
        key = mint_key(
            bootstrap.api_key_store(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), tenant, SCOPES
        )
        server = make_server("127.0.0.1", port, LocalApi(cloud).wsgi, handler_class=Quiet)
        # the workspace's sign-in returns to this server, and the stand-in's two members may sign in to it
        base = f"http://127.0.0.1:{server.server_port}"
        cloud.overrides["WorkspaceApi"] = cloud.overrides.get("WorkspaceApi", {}) | {
            "WORKSPACE_BASE_URL": base
        }
        members = bootstrap.workspace_store(cloud.outputs[constants.OUTPUT_WORKSPACE_TABLE])
        for (user, name), role in zip(cloud.wecom.directory.items(), ("hr", "manager"), strict=False):
            members.put_member(Member(tenant_id=tenant, login="wecom", user_id=user, role=role, name=name))
        print(f"Jiping API on http://127.0.0.1:{server.server_port}/v1/ (OpenAPI: /openapi.json)", flush=True)
        print(f"tenant {tenant!r} API key (scopes {', '.join(SCOPES)}): {key}", flush=True)
        print(f"local EHR receiver: {cloud.ehr.url}   WeCom stand-in: {cloud.wecom.api_base}", flush=True)
        print(
            f"candidate page: http://127.0.0.1:{server.server_port}/c/{{token}} "
            "(POST /v1/interviews/{id}/invitations or /v1/practice-interviews makes a link)",
            flush=True,
        )
        print(
            f"HR workspace: {base}/hr/?t={tenant} (sign in on the WeCom stand-in's page as "
            f"{' or '.join(f'{n} ({u})' for u, n in cloud.wecom.directory.items())}: HR, then hiring manager)",
            flush=True,
        )

        # Ctrl-C (or SIGTERM) asks the loop to stop from a thread of its own: a KeyboardInterrupt raised while
        # wsgiref is finishing a request is swallowed by its handler's bare except, and the server went on.
        def stop(*_: object) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        server.serve_forever()
        server.server_close()
        # The local cloud lives in this process's memory, so work still in flight (a workflow mid-stage,
        # the judge reading an answer, a worker pool's queued frames) has nowhere to go: leave now rather
        # than stop the cloud, whose pollers wait up to 10 s each for the stage they run, and then the
        # interpreter's exit joining every pool thread (together more than 30 s in CI).
        print("stopped; work in flight is dropped with the local cloud", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(EXIT_OK)
    return EXIT_OK  # not reached: the local cloud is left with the process
