"""A small city network in Linux network namespaces, for the monitor's integration tests.

Nine namespaces, named ``<prefix><node>`` with a fresh prefix per instance (``jg<4 hex>-``),
so that parallel or leftover runs never collide::

    noc ── core ─┬─ dist1 ─┬─ site1
                 │         ├─ site2
                 │         └─ site3
                 └─ dist2 ─┬─ site4
                           └─ site5

``noc`` is where the monitor runs (``city.exec_argv("noc", [...])``), ``core`` the core router,
``dist1``/``dist2`` the distribution routers (IPv4 forwarding on), ``site1``…``site5`` the OPD
sites. Every link is a veth pair created directly inside its two namespaces, with a /30 of
10.213.0.0/24 (link ``i`` gets 10.213.0.4i/30: the first node ``.4i+1``, the second ``.4i+2``).
Every node has a management address on ``lo`` (``MANAGEMENT``, in 10.213.255.0/24): those are
what the monitor pings. Routers hold a static route to every management address and every
link subnet they are not on; leaves (noc, sites) route 10.213.0.0/16 to their one neighbour.
Routes carry ``src <management address>``, so pings from ``noc`` leave from 10.213.255.254.
An address nobody has (in 10.213.0.0/16) gets "net unreachable" from the first router.

Nothing is configured in the host's own namespace: no interface, address or route. The only
traffic is between these namespaces. Needs root and ``ip`` (iproute2); no ``ping`` command:
``reachable`` sends its echo request from a raw ICMP socket of this Python, run in the
namespace with ``ip netns exec``.

Use the ``city`` fixture (function-scoped: every test gets a fresh network, about 0.1 s to
build) or ``with CityNetwork() as city:``. ``require_netns()`` says why it cannot run here;
the fixture then skips, or fails under CI=true. An ``atexit`` hook destroys every network
still built when the interpreter exits (a SIGKILL'd session can still leak: its namespaces
all start with ``jg`` and end in a node name; ``ip netns list`` shows them).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import ClassVar, Self

import pytest

from tests.monitoring.helpers import missing

__all__ = [
    "LINKS",
    "MANAGEMENT",
    "NODES",
    "CityNetwork",
    "CityNetworkError",
    "city",
    "require_netns",
    "skip_without_netns",
]

NODES: tuple[str, ...] = (
    "noc",
    "core",
    "dist1",
    "dist2",
    "site1",
    "site2",
    "site3",
    "site4",
    "site5",
)

# The tree's links, parent first; link i is 10.213.0.(4i)/30.
LINKS: tuple[tuple[str, str], ...] = (
    ("noc", "core"),
    ("core", "dist1"),
    ("core", "dist2"),
    ("dist1", "site1"),
    ("dist1", "site2"),
    ("dist1", "site3"),
    ("dist2", "site4"),
    ("dist2", "site5"),
)

MANAGEMENT: dict[str, str] = {
    "noc": "10.213.255.254",
    "core": "10.213.255.1",
    "dist1": "10.213.255.11",
    "dist2": "10.213.255.12",
    **{f"site{n}": f"10.213.255.{20 + n}" for n in range(1, 6)},
}

ROUTERS = frozenset({"core", "dist1", "dist2"})
CITY_SUPERNET = "10.213.0.0/16"
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,11}")
_IP_TIMEOUT = 30.0
# sysctl net.ipv4.ip_forward=1, without needing procps' sysctl.
_FORWARD = "open('/proc/sys/net/ipv4/ip_forward', 'w').write('1')"

# One echo request per target from a raw ICMP socket, all sent at once; prints "address 1"
# for an echo reply (from that address, with our identifier, sequence and token) and
# "address 0" for silence until the deadline or an ICMP error (unreachable, TTL exceeded).
_PING_SCRIPT = r"""
import os, select, socket, struct, sys, time
timeout, targets = float(sys.argv[1]), sys.argv[2:]
ident, token = os.getpid() & 0xFFFF, os.urandom(16)
def checksum(data):
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
pending, answered = {}, set()
for seq, target in enumerate(targets, 1):
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    request = struct.pack("!BBHHH", 8, 0, checksum(header + token), ident, seq) + token
    try:
        sock.sendto(request, (target, 0))
        pending[seq] = target
    except OSError:
        pass
deadline = time.monotonic() + timeout
while pending:
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([sock], [], [], left)[0]:
        break
    data, (source, _) = sock.recvfrom(65535)
    try:
        at = (data[0] & 0x0F) * 4
        kind = data[at]
        if kind == 0:
            _, _, _, rid, seq = struct.unpack_from("!BBHHH", data, at)
            if rid == ident and pending.get(seq) == source and data[at + 8:at + 24] == token:
                answered.add(pending.pop(seq))
        elif kind in (3, 11):
            inner = at + 8
            quoted = inner + (data[inner] & 0x0F) * 4
            _, _, _, rid, seq = struct.unpack_from("!BBHHH", data, quoted)
            if rid == ident and pending.get(seq) == socket.inet_ntoa(data[inner + 16:inner + 20]):
                del pending[seq]
    except (IndexError, struct.error):
        pass
for target in targets:
    print(target, int(target in answered))
"""


class CityNetworkError(RuntimeError):
    """An ``ip`` command (or a command in a namespace) failed while building the network."""


def _run(argv: Sequence[str], *, stdin: str | None = None, timeout: float = _IP_TIMEOUT) -> str:
    """Run ``argv``, return its stdout; raise ``CityNetworkError`` with its stderr on failure."""
    done = subprocess.run(
        list(argv), input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        raise CityNetworkError(f"{' '.join(argv)} exited {done.returncode}: {detail}")
    return done.stdout


def _namespaces() -> set[str]:
    """The named network namespaces (``ip netns list``), without their ids."""
    return {line.split()[0] for line in _run(["ip", "netns", "list"]).splitlines() if line}


def _new_prefix() -> str:
    return f"jg{secrets.token_hex(2)}-"


def require_netns() -> str | None:
    """Why a ``CityNetwork`` cannot be built here, or ``None`` when it can: it needs root,
    ``ip`` (iproute2) and the right to create a named network namespace (a probe namespace
    is created and deleted to find out)."""
    if os.geteuid() != 0:
        return "the city network needs root (network namespaces, veths, raw ICMP sockets)"
    if shutil.which("ip") is None:
        return "the city network needs `ip` (iproute2)"
    probe = f"{_new_prefix()}probe"
    try:
        _run(["ip", "netns", "add", probe])
    except (CityNetworkError, OSError, subprocess.TimeoutExpired) as error:
        return f"cannot create a network namespace: {error}"
    try:
        _run(["ip", "netns", "delete", probe])
    except (CityNetworkError, OSError, subprocess.TimeoutExpired) as error:
        return f"cannot delete the probe network namespace {probe}: {error}"
    return None


# Every network built and not yet destroyed, for the atexit safety net.
_live: set[CityNetwork] = set()


@atexit.register
def _destroy_leftovers() -> None:
    for network in list(_live):
        try:
            network.destroy()
        except Exception as error:  # an exit hook must not raise; say what leaked
            print(f"city network {network.prefix}: {error}", file=sys.stderr)


class CityNetwork:
    """The city network: ten namespaces, eight veth links, static routes (module docstring).

    ``build()`` creates it (and removes what it made if any step fails), ``destroy()``
    removes it; ``with CityNetwork() as city:`` does both. Nodes are named as in ``nodes``.
    """

    nodes: ClassVar[tuple[str, ...]] = NODES
    links: ClassVar[tuple[tuple[str, str], ...]] = LINKS

    def __init__(self, prefix: str | None = None) -> None:
        """``prefix`` starts every namespace name (default: ``jg`` + 4 random hex + ``-``);
        letters, digits, ``_.-``, at most 12 characters."""
        prefix = _new_prefix() if prefix is None else prefix
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"bad namespace prefix {prefix!r}: 1-12 of [A-Za-z0-9_.-]")
        self.prefix = prefix
        self.built = False
        self._neighbours: dict[str, list[str]] = {node: [] for node in NODES}
        for a, b in LINKS:
            self._neighbours[a].append(b)
            self._neighbours[b].append(a)

    def __repr__(self) -> str:
        return f"CityNetwork(prefix={self.prefix!r}, built={self.built})"

    # -- names and addresses ----------------------------------------------------------------

    def _check(self, node: str) -> str:
        if node not in self._neighbours:
            raise ValueError(f"no node {node!r} in the city network (nodes: {NODES})")
        return node

    def namespace(self, node: str) -> str:
        """The network namespace of ``node``: ``<prefix><node>``."""
        return self.prefix + self._check(node)

    def address(self, node: str) -> str:
        """The management address of ``node`` (on its ``lo``): what the monitor pings."""
        return MANAGEMENT[self._check(node)]

    @staticmethod
    def interface(node: str, peer: str) -> str:
        """The name, inside ``node``'s namespace, of its veth towards ``peer``: ``to-<peer>``."""
        return f"to-{peer}"

    def _link(self, a: str, b: str) -> int:
        self._check(a)
        self._check(b)
        for index, link in enumerate(LINKS):
            if link in ((a, b), (b, a)):
                return index
        raise ValueError(f"{a} and {b} are not adjacent in the city network")

    def link_address(self, node: str, peer: str) -> str:
        """``node``'s address on its link to ``peer`` (the link's /30)."""
        index = self._link(node, peer)
        return f"10.213.0.{4 * index + (1 if LINKS[index][0] == node else 2)}"

    @staticmethod
    def _subnet(index: int) -> str:
        return f"10.213.0.{4 * index}/30"

    def _next_hop(self, node: str, target: str) -> str:
        """The neighbour of ``node`` on the tree path to ``target``."""
        parent = {node: node}
        queue = [node]
        for current in queue:
            for neighbour in self._neighbours[current]:
                if neighbour not in parent:
                    parent[neighbour] = current
                    queue.append(neighbour)
        while parent[target] != node:
            target = parent[target]
        return target

    def _routes(self, node: str) -> list[str]:
        """``ip route replace`` arguments for ``node``'s static routes."""
        source = MANAGEMENT[node]
        if node not in ROUTERS:
            (neighbour,) = self._neighbours[node]
            gateway = self.link_address(neighbour, node)
            device = self.interface(node, neighbour)
            return [f"{CITY_SUPERNET} via {gateway} dev {device} src {source}"]
        wanted: list[tuple[str, str]] = [
            (f"{MANAGEMENT[other]}/32", other) for other in NODES if other != node
        ]
        wanted += [
            (self._subnet(index), a) for index, (a, b) in enumerate(LINKS) if node not in (a, b)
        ]
        routes = []
        for destination, towards in wanted:
            hop = self._next_hop(node, towards)
            gateway = self.link_address(hop, node)
            routes.append(
                f"{destination} via {gateway} dev {self.interface(node, hop)} src {source}"
            )
        return routes

    # -- building and destroying ------------------------------------------------------------

    def _ip_batch(self, commands: Iterable[str], namespace: str | None = None) -> None:
        netns = [] if namespace is None else ["-n", namespace]
        _run(["ip", *netns, "-batch", "-"], stdin="".join(f"{line}\n" for line in commands))

    def build(self) -> None:
        """Create the namespaces, links, addresses and routes, and turn forwarding on in the
        routers. On any failure, remove whatever was made and raise (``CityNetworkError``
        for a failed command). Raises ``RuntimeError`` if already built."""
        if self.built:
            raise RuntimeError(f"{self!r} is already built")
        taken = {ns for ns in _namespaces() if ns.startswith(self.prefix)}
        if taken:
            raise CityNetworkError(f"namespaces with prefix {self.prefix!r} exist: {taken}")
        _live.add(self)
        self.built = True
        try:
            self._ip_batch(
                [f"netns add {self.namespace(node)}" for node in NODES]
                + [
                    f"link add name {self.interface(a, b)} netns {self.namespace(a)} type veth"
                    f" peer name {self.interface(b, a)} netns {self.namespace(b)}"
                    for a, b in LINKS
                ]
            )
            for node in NODES:
                commands = ["link set lo up", f"address add {MANAGEMENT[node]}/32 dev lo"]
                for peer in self._neighbours[node]:
                    device = self.interface(node, peer)
                    commands.append(f"address add {self.link_address(node, peer)}/30 dev {device}")
                    commands.append(f"link set {device} up")
                self._ip_batch(commands, self.namespace(node))
            for router in sorted(ROUTERS):
                _run(self.exec_argv(router, [sys.executable, "-I", "-S", "-c", _FORWARD]))
            for node in NODES:
                # Only after every link is up: a route's gateway must be on an up device.
                self._ip_batch(
                    [f"route replace {route}" for route in self._routes(node)],
                    self.namespace(node),
                )
        except BaseException:
            self.destroy()
            raise

    def destroy(self) -> None:
        """Remove every namespace of this network (their veths, addresses and routes go with
        them), first killing any process still running inside one (a monitor left behind
        would keep its namespace alive). Idempotent: namespaces already gone are fine.
        Raises ``CityNetworkError`` only if a namespace of ours could not be deleted."""
        ours = {self.namespace(node) for node in NODES} & _namespaces()
        failures = []
        for namespace in sorted(ours):
            try:
                pids = _run(["ip", "netns", "pids", namespace]).split()
            except CityNetworkError:
                pids = []
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            try:
                _run(["ip", "netns", "delete", namespace])
            except CityNetworkError as error:
                if namespace in _namespaces():
                    failures.append(str(error))
        self.built = False
        _live.discard(self)
        if failures:
            raise CityNetworkError("; ".join(failures))

    def __enter__(self) -> Self:
        self.build()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.destroy()

    # -- using it ---------------------------------------------------------------------------

    def exec_argv(self, node: str, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside ``node``'s namespace: ``["ip", "netns", "exec", ns, *argv]``."""
        return ["ip", "netns", "exec", self.namespace(node), *argv]

    def _set_link(self, a: str, b: str, state: str) -> None:
        self._link(a, b)
        for node, peer in ((a, b), (b, a)):
            self._ip_batch([f"link set {self.interface(node, peer)} {state}"], self.namespace(node))

    def cut(self, a: str, b: str) -> None:
        """Take the link between adjacent nodes ``a`` and ``b`` down (both veth ends). The
        kernel drops the routes through it, so the routers on either side answer "net
        unreachable" for what lies beyond. ``ValueError`` if they are not adjacent."""
        self._set_link(a, b, "down")

    def restore(self, a: str, b: str) -> None:
        """Bring the link between ``a`` and ``b`` back up and re-add the routes of both ends
        (the ones that vanished with the link), so reachability is as before the cut."""
        self._set_link(a, b, "up")
        for node in (a, b):
            self._ip_batch(
                [f"route replace {route}" for route in self._routes(node)], self.namespace(node)
            )

    def reachability(
        self, source: str, targets: Iterable[str], timeout: float = 1.0
    ) -> dict[str, bool]:
        """One echo request from ``source``'s namespace to each target's management address,
        all at once; whether each answered within ``timeout`` seconds. An ICMP error (net
        unreachable) ends a target's wait early."""
        wanted = list(dict.fromkeys(self._check(target) for target in targets))
        if not wanted:
            return {}
        argv = [sys.executable, "-I", "-S", "-c", _PING_SCRIPT, str(timeout)]
        output = _run(
            self.exec_argv(source, [*argv, *(MANAGEMENT[target] for target in wanted)]),
            timeout=timeout + _IP_TIMEOUT,
        )
        answered = dict(line.split() for line in output.splitlines() if line)
        return {target: answered.get(MANAGEMENT[target]) == "1" for target in wanted}

    def reachable(self, source: str, target: str, timeout: float = 1.0) -> bool:
        """Whether one echo request from ``source``'s namespace to ``target``'s management
        address is answered within ``timeout`` seconds."""
        return self.reachability(source, [target], timeout)[target]


def skip_without_netns() -> None:
    """Skip the calling test when a city network cannot be built here (``require_netns``);
    under CI=true, fail it instead."""
    reason = require_netns()
    if reason is not None:
        missing(reason)


@pytest.fixture
def city() -> Iterator[CityNetwork]:
    """A built ``CityNetwork``, fresh for each test (function scope: a test may cut links),
    destroyed afterwards, also when the test fails. Skips without the prerequisites, or
    fails under CI=true. A test module takes it in with ``from tests.monitoring import city as
    city_network`` and ``city = city_network.city`` (an assignment, not ``from … import city``,
    which ruff reports as unused and redefined by every test's ``city`` argument)."""
    skip_without_netns()
    with CityNetwork() as network:
        yield network
