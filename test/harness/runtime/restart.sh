#!/usr/bin/env bash
# Restarts only the lab's containerd (same state, same mount namespace; shims and pods survive), like a node's
# `systemctl restart containerd`. Env as for up.sh (KND_LAB_DIR; KND_GRPC_MAX_MSG to change the gRPC limit).
# Prints the same KEY=VALUE lines as up.sh.
exec bash "$(dirname "${BASH_SOURCE[0]}")/up.sh" --restart
