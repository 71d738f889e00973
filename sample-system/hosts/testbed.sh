#!/bin/bash
# A test bed of "hosts" on this one Linux machine, for drills over SSH (scenarios/README.md,
# "Drill your hosts over SSH"): each host is a network namespace with its own address on a
# bridge and a real OpenSSH server (Debian's openssh-server) listening there, reached with a key
# generated for the bed and checked against a known-hosts file the bed writes. The hosts share
# this machine's file system and process table; everything else a drill touches on a host (its
# nftables, qdiscs, addresses) is its own.
#
#   testbed.sh up [--hosts N] [--dir DIR] [--subnet A.B.C] [--name P] [--volume-size S]
#                                                make N hosts (default 5)
#   testbed.sh down [--dir DIR] [--name P]       remove them and everything they ran
#   testbed.sh status [--dir DIR]
#
# DIR (default /run/firedrill-testbed) holds the client key (id_ed25519), known_hosts, each
# host's sshd configuration, host key and log, its data volume (hostI/data: a tmpfs of S, default
# 64m, so that disk.full fills a small file system of its own and never this machine's), and
# `hosts` (one "NAME ADDRESS" line per host).
# Host i is the namespace P-hostI at A.B.C.(10+I) (default subnet 10.77.0, P fdtb; the bridge P0
# is A.B.C.1, the controller's side). Two beds with different --name, --dir and --subnet can be
# up at once (tests do that). Root is needed (namespaces, veths, sshd).
set -euo pipefail

dir=/run/firedrill-testbed
hosts=5
volume_size=64m
subnet=10.77.0
name=fdtb
command=${1:-}
[ $# -gt 0 ] && shift
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) hosts=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --subnet) subnet=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --volume-size) volume_size=$2; shift 2 ;;
    *) echo "testbed.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done
bridge=${name}0

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "testbed.sh: $tool is missing (apt-get install openssh-server openssh-client nftables iproute2)" >&2; exit 69; }
  done
}

wait_for_ssh() {  # host address
  local i
  for i in $(seq 1 100); do
    if ssh -F none -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$dir/known_hosts" -i "$dir/id_ed25519" "root@$2" true 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "testbed.sh: sshd on $1 ($2) did not answer; see $dir/$1/sshd.log" >&2
  return 1
}

up() {
  need ip ssh ssh-keygen /usr/sbin/sshd nft tc
  [ "$(id -u)" = 0 ] || { echo "testbed.sh: run as root" >&2; exit 77; }
  if [ -e "$dir/hosts" ]; then echo "testbed.sh: a test bed is up in $dir (testbed.sh down first)" >&2; exit 73; fi
  # Half a bed is no bed: whatever was made goes again when a step fails.
  trap 'echo "testbed.sh: up failed; removing what was made" >&2; down >/dev/null 2>&1' ERR
  mkdir -p "$dir" /run/sshd
  touch "$dir/.firedrill-testbed"
  chmod 700 "$dir"
  ssh-keygen -q -t ed25519 -N '' -C firedrill-testbed -f "$dir/id_ed25519"
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
  : >"$dir/known_hosts"
  ip link add "$bridge" type bridge
  ip addr add "$subnet.1/24" dev "$bridge"
  ip link set "$bridge" up
  local i
  for i in $(seq 1 "$hosts"); do
    local host="host$i" ns="$name-host$i" address="$subnet.$((10 + i))"
    mkdir -p "$dir/$host/data"
    mount -t tmpfs -o "size=$volume_size,mode=0755" "firedrill-testbed-$name" "$dir/$host/data"
    ip netns add "$ns"
    ip link add "$name$i" type veth peer name eth0 netns "$ns"
    ip link set "$name$i" master "$bridge" up
    ip -n "$ns" addr add "$address/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$subnet.1"
    ssh-keygen -q -t ed25519 -N '' -C "$host" -f "$dir/$host/ssh_host_ed25519_key"
    echo "$address $(cut -d' ' -f1,2 "$dir/$host/ssh_host_ed25519_key.pub")" >>"$dir/known_hosts"
    cat >"$dir/$host/sshd_config" <<CONFIG
ListenAddress $address
Port 22
HostKey $dir/$host/ssh_host_ed25519_key
PidFile $dir/$host/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
StrictModes no
PrintMotd no
PrintLastLog no
MaxSessions 64
MaxStartups 64
ClientAliveInterval 5
ClientAliveCountMax 3
Subsystem sftp internal-sftp
CONFIG
    ip netns exec "$ns" /usr/sbin/sshd -f "$dir/$host/sshd_config" -E "$dir/$host/sshd.log"
    echo "$host $address" >>"$dir/hosts"
  done
  for i in $(seq 1 "$hosts"); do wait_for_ssh "host$i" "$subnet.$((10 + i))"; done
  echo "testbed: $hosts hosts up in $dir (bridge $bridge, $subnet.1)"
  cat "$dir/hosts"
}

down() {
  local i ns veth
  for ns in $(ip netns list 2>/dev/null | awk -v p="^$name-host" '$1 ~ p {print $1}'); do
    # Everything the host ran (sshd, nodes a drill started there, its switches) goes with it.
    for i in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$i" 2>/dev/null || true; done
    for i in $(seq 1 50); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
    ip netns del "$ns" 2>/dev/null || true
  done
  # The kernel removes a namespace's veths after its deletion returns: removed here, so that an
  # `up` right after finds the names free.
  for veth in $(ip -o link show 2>/dev/null | awk -F': ' -v p="^$name[0-9]+(@|$)" '$2 ~ p {sub(/@.*/, "", $2); print $2}'); do
    ip link del "$veth" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  local volume
  for volume in $(awk -v d="$dir/" 'index($2, d) == 1 && $3 == "tmpfs" {print $2}' /proc/mounts); do
    umount "$volume" 2>/dev/null || umount -l "$volume" 2>/dev/null || true
  done
  # Only a directory this script made (its marker inside) is removed: --dir may name anything.
  if [ -e "$dir/.firedrill-testbed" ]; then rm -rf "$dir"; fi
  echo "testbed: down"
}

status() {
  [ -e "$dir/hosts" ] || { echo "testbed: not up ($dir)"; exit 1; }
  cat "$dir/hosts"
}

case "$command" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 64 ;;
esac
