"""Runs moto's S3 emulator for tests/s3.rs on 127.0.0.1:PORT until standard input closes.

The test binary holds the other end of standard input: when it exits, however it exits, the
pipe closes and the server goes with it, so no emulator outlives the tests. Exits with status 3
when moto[server] is not installed (the tests then skip, or fail under CI=true).
"""

import os
import sys
import threading


def main():
    try:
        from moto.server import main as moto_main
    except ImportError as error:
        print(f"moto[server] is not installed: {error}", file=sys.stderr)
        sys.exit(3)

    def watch():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    moto_main(["-H", "127.0.0.1", "-p", sys.argv[1]])


if __name__ == "__main__":
    main()
