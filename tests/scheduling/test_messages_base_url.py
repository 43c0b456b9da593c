"""Links in messages point where ``make run`` serves: ``PORT=8102 make run`` links to
http://127.0.0.1:8102, unless MILDPATH_BASE_URL says otherwise. Checked on the
environment ``manage.py run`` gives its children, without starting a server."""

from __future__ import annotations

import signal

import pytest

from mildpath.core.management.commands.run import base_url_for, served_env

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:8102", "http://127.0.0.1:8102"),
        ("0.0.0.0:8102", "http://127.0.0.1:8102"),  # noqa: S104 - an address named, not bound
        ("localhost:9000", "http://localhost:9000"),
        ("[::]:8000", "http://[::1]:8000"),
        ("unix:/run/mildpath.sock", None),
        ("8000", None),
    ],
)
def test_the_served_address_is_where_links_point(bind, url):
    assert base_url_for(bind) == url


def test_make_run_on_another_port_links_to_that_port():
    env = served_env("127.0.0.1:8102", {"PATH": "/usr/bin"})
    assert env == {"PATH": "/usr/bin", "MILDPATH_BASE_URL": "http://127.0.0.1:8102"}


def test_an_address_the_user_chose_is_kept():
    chosen = {"MILDPATH_BASE_URL": "https://clinic.example.org"}
    assert served_env("127.0.0.1:8102", chosen)["MILDPATH_BASE_URL"] == (
        "https://clinic.example.org"
    )


def test_the_command_passes_the_environment_to_both_children(monkeypatch):
    from mildpath.core.management.commands import run

    spawned: list[dict[str, str]] = []

    class Finished:
        returncode = 0

        def poll(self) -> int:
            return 0

    def spawn(command, env):
        spawned.append(dict(env))
        return Finished()

    monkeypatch.setattr(run, "_spawn", spawn)
    monkeypatch.setattr(run, "die_with_parent", lambda: None)
    monkeypatch.setattr(run, "_stop", lambda *processes: None)
    monkeypatch.delenv("MILDPATH_BASE_URL", raising=False)
    # handle() installs its own signal handlers: the test run gets its own back after.
    saved = {signum: signal.getsignal(signum) for signum in SIGNALS}
    try:
        run.Command().handle(
            bind="127.0.0.1:8102", workers=1, threads=1, no_reload=True, interval=1.0
        )
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    assert [env["MILDPATH_BASE_URL"] for env in spawned] == ["http://127.0.0.1:8102"] * 2
