#!/bin/sh
# MPI over TCP between two "machines": two network namespaces joined by a veth pair, made here and
# removed on every exit. mpirun runs in the first namespace and starts one rank in each through
# --mca plm_rsh_agent, a three-line script that does what ssh would (`ip netns exec HOST sh -c CMD`).
#
#   netns_tcp.sh MPIRUN PROGRAM [ARGS...]    (as root; exits 77, "skipped", without root or ip(8))
#
# The addresses are from 192.0.2.0/24 (TEST-NET-1, RFC 5737: documentation only, never routed), on a
# link that exists only between the two namespaces: no packet leaves this machine.
set -u
mpirun=$1
shift
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
    echo "skipped: needs root and ip(8) to make network namespaces"
    exit 77
fi
tag=$$
a=ink-mpi-a-$tag b=ink-mpi-b-$tag
work=$(mktemp -d)
cleanup() {
    ip netns del "$a" 2>/dev/null
    ip netns del "$b" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if ! ip netns add "$a" 2>"$work/err"; then
    echo "skipped: cannot make a network namespace here: $(cat "$work/err")"
    exit 77
fi
set -e
ip netns add "$b"
ip link add "ink$tag"a type veth peer name "ink$tag"b
ip link set "ink$tag"a netns "$a"
ip link set "ink$tag"b netns "$b"
ip -n "$a" addr add 192.0.2.1/24 dev "ink$tag"a
ip -n "$b" addr add 192.0.2.2/24 dev "ink$tag"b
for ns in "$a" "$b"; do
    ip -n "$ns" link set lo up
done
ip -n "$a" link set "ink$tag"a up
ip -n "$b" link set "ink$tag"b up

# rtc_hwloc_vmhole none: the remote orted does not map the hwloc topology into a shared "hole" of its
# address space; Open MPI 4.1's choice of hole sometimes lands on the stack and the orted segfaults.
# mpirun calls: agent HOST orted ARGS... ; like ssh, join the words and let a shell parse them.
cat >"$work/agent" <<'AGENT'
#!/bin/sh
host=$1
shift
exec ip netns exec "$host" sh -c "$*"
AGENT
chmod +x "$work/agent"
printf '%s slots=1\n%s slots=1\n' "$a" "$b" >"$work/hosts"
set +e
ip netns exec "$a" "$mpirun" -np 2 --hostfile "$work/hosts" --map-by node \
    --mca plm_rsh_agent "$work/agent" --mca rtc_hwloc_vmhole none \
    --mca btl tcp,self --mca btl_tcp_if_include 192.0.2.0/24 --mca oob_tcp_if_include 192.0.2.0/24 \
    -x OMP_NUM_THREADS -x INK_MPI_TIMEOUT \
    "$@"
status=$?
exit $status
