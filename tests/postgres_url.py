"""Print the PostgreSQL URL the test suite should use, or explain why there is none.

``DATABASE_URL`` if set, else the local server (postgres://postgres@127.0.0.1:5432/test).
Exit 0 with the URL on stdout when a connection succeeds; exit 1 with the reason on stderr.
Used by ``make test``.
"""

from __future__ import annotations

import os
import sys

import psycopg

LOCAL = "postgres://postgres@127.0.0.1:5432/test"


def main() -> int:
    url = os.environ.get("DATABASE_URL") or LOCAL
    try:
        with psycopg.connect(
            url.replace("postgres://", "postgresql://", 1), connect_timeout=3
        ) as conn:
            version = conn.info.server_version
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable at {url}: {str(exc).strip()}", file=sys.stderr)
        return 1
    if version < 150000:
        print(f"PostgreSQL at {url} is {version}; Jaga needs 15 or newer.", file=sys.stderr)
        return 1
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
