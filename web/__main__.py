"""``python -m web``: serve the page and API with waitress.

GUARD_HOST (default 127.0.0.1) and GUARD_PORT (default 8000) say where;
GUARD_THREADS (default 4) how many requests run at once. The other GUARD_*
settings are read by ``create_app()`` (README.md, "Web page and API").
Waitress writes no access log; nothing here logs a request.
"""

from __future__ import annotations

import logging
import os
import sys


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # waitress warns at every queued request when all threads are busy, which
    # floods the log under load; its errors are still shown
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    host = os.environ.get("GUARD_HOST", "127.0.0.1")
    try:
        port = int(os.environ.get("GUARD_PORT", "8000"))
        threads = int(os.environ.get("GUARD_THREADS", "4"))
        if not (0 <= port <= 65535) or threads < 1:
            raise ValueError
    except ValueError:
        print("web: GUARD_PORT must be a port number and GUARD_THREADS a positive integer",
              file=sys.stderr)
        return 64
    from waitress import serve

    from guard import check

    from . import create_app

    try:
        app = create_app()
    except (ValueError, RuntimeError) as exc:
        print(f"web: {exc}", file=sys.stderr)
        return 64
    check("warm-up: load the rule packs before the first request")
    serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="guard",
        # waitress refuses bodies past this before Flask sees them; Flask's
        # own limit (GUARD_MAX_REQUEST_BYTES) answers with a friendly error.
        max_request_body_size=app.config["GUARD_MAX_REQUEST_BYTES"] * 2 + 65536,
        clear_untrusted_proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
