#!/usr/bin/env bash
# Runs a private RabbitMQ node with its AMQP 1.0 plugin, as a benchmark peer.
#
#   scripts/rabbitmq.sh start DIR PORT   start a node on 127.0.0.1:PORT with its state in
#                                        DIR/rabbitmq, and print "pid=N epmd_pid=M" once the
#                                        AMQP listener accepts connections (at most 60 s)
#   scripts/rabbitmq.sh stop DIR         stop that node and its epmd by their PIDs
#
# Everything binds 127.0.0.1: AMQP (0-9-1 and 1.0 share PORT), epmd on PORT+1 and Erlang
# distribution on PORT+2. The node is `peers@localhost`, with guest as the AMQP 1.0 default
# user. The script starts its own epmd on a private port, so stopping it never touches
# another node's epmd. Needs Debian's `rabbitmq-server` package (3.10 on Debian 12).
set -euo pipefail

rabbitmq_bin=/usr/lib/rabbitmq/bin
startup_timeout_seconds=60
stop_timeout_seconds=30

usage() {
  echo "usage: $0 start DIR PORT | $0 stop DIR" >&2
  exit 2
}

# Waits until the node has started its plugins and PORT on 127.0.0.1 accepts a TCP
# connection, for at most the given seconds. The listener opens before the plugins start, so
# the port alone does not mean that AMQP 1.0 is served.
wait_for_node() {
  local port=$1 seconds=$2 pid=$3 log=$4
  local attempt
  for ((attempt = 0; attempt < seconds * 4; attempt++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    if grep -qs "Server startup complete" "$log" \
      && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.25
  done
  return 1
}

# Sends TERM to a PID and waits for it to exit, for at most the given seconds, then KILL.
stop_pid() {
  local pid=$1 seconds=$2
  local attempt
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((attempt = 0; attempt < seconds * 4; attempt++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  echo "rabbitmq.sh: PID $pid did not stop within ${seconds} s, so it gets KILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

start() {
  local port=$2
  local dir
  # RabbitMQ resolves some relative paths against its own folders, so DIR becomes absolute.
  dir=$(mkdir -p "$1" && cd "$1" && pwd)
  if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1024 || port > 65533)); then
    echo "rabbitmq.sh: port \`$port\` is invalid: use 1024 to 65533 (PORT+1 and PORT+2 are used too)" >&2
    exit 2
  fi
  if [ ! -x "$rabbitmq_bin/rabbitmq-server" ]; then
    echo "rabbitmq.sh: $rabbitmq_bin/rabbitmq-server not found: apt-get install rabbitmq-server" >&2
    exit 1
  fi
  local home="$dir/rabbitmq"
  if [ -f "$home/rabbitmq.pid" ] && kill -0 "$(cat "$home/rabbitmq.pid")" 2>/dev/null; then
    echo "rabbitmq.sh: a node from $home is already running: run \`$0 stop $dir\` first" >&2
    exit 1
  fi
  rm -rf "$home"
  mkdir -p "$home/data" "$home/logs"

  local epmd_port=$((port + 1)) dist_port=$((port + 2))
  cat >"$home/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$port
loopback_users = none
amqp1_0.default_user = guest
EOF
  echo "[rabbitmq_amqp1_0]." >"$home/enabled_plugins"
  # The Erlang cookie is read from HOME, so a private HOME keeps it apart from the caller's.
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$home/.erlang.cookie"
  chmod 400 "$home/.erlang.cookie"

  export HOME="$home"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_EPMD_PORT=$epmd_port
  export RABBITMQ_NODENAME=peers@localhost
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$port
  export RABBITMQ_DIST_PORT=$dist_port
  export RABBITMQ_CONFIG_FILE="$home/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$home/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$home/data"
  export RABBITMQ_LOG_BASE="$home/logs"
  export RABBITMQ_PID_FILE="$home/beam.pid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

  /usr/bin/epmd -address 127.0.0.1 -port "$epmd_port" >"$home/logs/epmd.log" 2>&1 &
  local epmd_pid=$!
  echo "$epmd_pid" >"$home/epmd.pid"

  "$rabbitmq_bin/rabbitmq-server" >"$home/logs/console.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$home/rabbitmq.pid"

  if ! wait_for_node "$port" "$startup_timeout_seconds" "$pid" "$home/logs/peers@localhost.log"; then
    echo "rabbitmq.sh: RabbitMQ did not accept connections on 127.0.0.1:$port within ${startup_timeout_seconds} s; see $home/logs/console.log" >&2
    stop "$dir"
    exit 1
  fi
  echo "pid=$pid epmd_pid=$epmd_pid"
}

stop() {
  local dir
  dir=$(cd "$1" && pwd)
  local home="$dir/rabbitmq"
  # The server script stops the Erlang VM gracefully on TERM. Epmd goes last, because the
  # node unregisters from it while stopping.
  if [ -f "$home/rabbitmq.pid" ]; then
    stop_pid "$(cat "$home/rabbitmq.pid")" "$stop_timeout_seconds"
    rm -f "$home/rabbitmq.pid"
  fi
  if [ -f "$home/epmd.pid" ]; then
    stop_pid "$(cat "$home/epmd.pid")" 5
    rm -f "$home/epmd.pid"
  fi
}

case ${1:-} in
  start)
    [ $# -eq 3 ] || usage
    start "$2" "$3"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    stop "$2"
    ;;
  *) usage ;;
esac
