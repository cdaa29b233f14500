#!/bin/sh
# Demo service: prints a numbered line every two seconds, with an occasional line on stderr.
n=0
while :; do
  n=$((n + 1))
  echo "tick $n"
  [ $((n % 5)) -eq 0 ] && echo "tick $n is a multiple of five" >&2
  sleep 2
done
