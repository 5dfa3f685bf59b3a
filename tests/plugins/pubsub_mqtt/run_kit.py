#!/usr/bin/python3
"""pubsub_mqtt through natter-conformance pubsub, on a real mosquitto started
here with the shipped config (tests/fixtures/mosquitto_server.py). The
kit's outage is the one that loses messages: mosquitto killed outright and
its persistence file removed, then started again on the same port by a
watcher here; the --outage command returns once it takes connections.
(A graceful restart keeps every session and loses nothing, so there is no
gap to report.) The kit's exit code is this script's.

    run_kit.py NATTER_CONFORMANCE PLUGIN_SO"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from mosquitto_server import NATTER_PASSWORD, Mosquitto  # noqa: E402
from restarter import Restarter  # noqa: E402


def main(conformance, plugin):
    broker = Mosquitto(users=())
    watcher = None
    try:
        broker.start()
        config = os.path.join(broker.dir, "pubsub.toml")
        with open(config, "w") as f:
            f.write(f'broker = "{broker.address}"\npassword = "{NATTER_PASSWORD}"\nkeepalive_s = 5\n'
                    f'reconnect_max_s = 1\n')
        pid_file = os.path.join(broker.dir, "pid")
        outage = (f"kill -KILL $(cat {pid_file}); rm -f {broker.dir}/mosquitto.db; sleep 0.2; "
                  f"for i in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/{broker.port}) 2>/dev/null && exit 0; "
                  f"sleep 0.1; done; exit 1")
        watcher = Restarter(broker, pid_file=pid_file)
        print(f"== with mosquitto at {broker.address}", flush=True)
        code = subprocess.run([conformance, "pubsub", "--plugin", plugin, "--config", config,
                               "--outage", f"bash -c '{outage}'"]).returncode
        print(f"natter-conformance exited with {code}", flush=True)
        return code
    finally:
        if watcher is not None:
            watcher.close()
        broker.close()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
