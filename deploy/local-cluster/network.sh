#!/usr/bin/env bash
# The local cluster's network: a Linux bridge on the host and one network namespace per node,
# each joined to the bridge by a veth pair, so that every node has its own address as it would
# on its own machine.
#
#   host (bridge consult-br0)   10.231.0.1    HAProxy's backends and the forwards to the host's
#                                              PostgreSQL, Redis and SMTP are reached here
#   namespace consult-web1      10.231.0.11   gunicorn
#   namespace consult-web2      10.231.0.12   gunicorn
#   namespace consult-worker    10.231.0.21   the task worker
#
# Usage: network.sh up | down | status   (as root; CLUSTER_NET=10.231.0 changes the /24)
# `up` first removes what a previous run left behind; `down` removes whatever exists and
# never fails on what is already gone.
set -euo pipefail

NET=${CLUSTER_NET:-10.231.0}
BRIDGE=consult-br0
NODES=(web1:11 web2:12 worker:21)

down() {
  for node in "${NODES[@]}"; do
    name=${node%%:*}
    # Deleting a namespace deletes its end of the veth pair, and with it the host's end.
    ip netns del "consult-$name" 2>/dev/null || true
    ip link del "veth-$name" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

up() {
  down
  ip link add "$BRIDGE" type bridge
  ip addr add "$NET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for node in "${NODES[@]}"; do
    name=${node%%:*}
    host=${node##*:}
    ns="consult-$name"
    ip netns add "$ns"
    ip link add "veth-$name" type veth peer name eth0 netns "$ns"
    ip link set "veth-$name" master "$BRIDGE" up
    ip -n "$ns" addr add "$NET.$host/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    # Everything a node needs (PostgreSQL, Redis, SMTP) is forwarded on the bridge address,
    # so the namespace needs no route beyond its own /24.
  done
}

status() {
  ip -br addr show dev "$BRIDGE" 2>/dev/null || echo "$BRIDGE: absent"
  for node in "${NODES[@]}"; do
    ns="consult-${node%%:*}"
    if ip netns list | grep -qw "$ns"; then
      echo "$ns: $(ip -n "$ns" -br addr show dev eth0 | awk '{print $3}')" \
        "processes: $(ip netns pids "$ns" | wc -l)"
    else
      echo "$ns: absent"
    fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
