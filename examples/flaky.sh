#!/bin/sh
# Demo service: works for a few seconds, then crashes with exit code 3, to show restarts with backoff.
echo "flaky: starting, will crash in 5s"
sleep 5
echo "flaky: crashing now" >&2
exit 3
