"""lossexp.output.atomic: files and run directories appear whole or not at all."""

from __future__ import annotations

import os
import signal
import stat

import pytest

from lossexp.output import atomic


def contents(directory) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def previous_run(tmp_path):
    run = tmp_path / "out" / "run"
    run.mkdir(parents=True)
    (run / "metrics.csv").write_text("epoch,loss\n0,1.0\n")
    (run / "only_in_old.txt").write_text("old")
    return run


def build_new_run(final):
    with atomic.building_directory(final) as tmp:
        atomic.write_text(tmp / "metrics.csv", "epoch,loss\n0,0.5\n")
        atomic.write_text(tmp / "summary.json", "{}\n")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# --- single files ------------------------------------------------------------------------------

def test_write_text_replaces_the_file_with_ordinary_permissions(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text("old")
    atomic.write_text(path, "new \u00e9\n")
    assert path.read_bytes() == "new \u00e9\n".encode()
    assert mode(path) == 0o666 & ~current_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, failure):
    path = tmp_path / "summary.json"
    path.write_text("old")

    def fail(src, dst):
        raise failure

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(type(failure)):
        atomic.write_text(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


# --- run directories -----------------------------------------------------------------------

def test_a_new_directory_appears_whole_with_ordinary_permissions(tmp_path):
    final = tmp_path / "out" / "run"
    build_new_run(final)
    assert contents(final) == {"metrics.csv": b"epoch,loss\n0,0.5\n", "summary.json": b"{}\n"}
    assert mode(final) == 0o777 & ~current_umask()
    assert [p.name for p in final.parent.iterdir()] == ["run"]


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_a_rebuilt_directory_replaces_the_old_one_whole(tmp_path, monkeypatch, swap):
    if swap == "two renames":
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    final = previous_run(tmp_path)
    build_new_run(final)
    assert contents(final) == {"metrics.csv": b"epoch,loss\n0,0.5\n", "summary.json": b"{}\n"}
    assert [p.name for p in final.parent.iterdir()] == ["run"]


@pytest.mark.parametrize("failure", [RuntimeError("plotting failed"), KeyboardInterrupt()])
def test_a_failure_while_building_keeps_the_old_directory(tmp_path, failure):
    final = previous_run(tmp_path)
    before = contents(final)
    with pytest.raises(type(failure)):
        with atomic.building_directory(final) as tmp:
            atomic.write_text(tmp / "metrics.csv", "half")
            raise failure
    assert contents(final) == before
    assert [p.name for p in final.parent.iterdir()] == ["run"]


@pytest.mark.parametrize("failure", [OSError(5, "Input/output error"), KeyboardInterrupt()])
def test_a_failed_second_rename_puts_the_old_directory_back(tmp_path, monkeypatch, failure):
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    final = previous_run(tmp_path)
    before = contents(final)
    rename = os.rename
    calls = []

    def second_fails(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise failure
        rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", second_fails)
    with pytest.raises(type(failure)):
        build_new_run(final)
    assert len(calls) == 3  # old aside, new in (fails), old back
    assert contents(final) == before
    assert [p.name for p in final.parent.iterdir()] == ["run"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_during_the_swap_waits_until_the_swap_is_done(tmp_path, monkeypatch,
                                                                    signum):
    exchange = atomic._exchange
    handlers = {s: signal.getsignal(s) for s in atomic.STOP_SIGNALS}

    def interrupted_exchange(a, b):
        os.kill(os.getpid(), signum)  # delivered now, acted on after the swap
        return exchange(a, b)

    monkeypatch.setattr(atomic, "_exchange", interrupted_exchange)
    final = previous_run(tmp_path)
    with pytest.raises(KeyboardInterrupt) as stopped:
        build_new_run(final)
    assert getattr(stopped.value, "signum", signal.SIGINT) == signum
    assert contents(final) == {"metrics.csv": b"epoch,loss\n0,0.5\n", "summary.json": b"{}\n"}
    assert [p.name for p in final.parent.iterdir()] == ["run"]
    assert {s: signal.getsignal(s) for s in atomic.STOP_SIGNALS} == handlers


def test_a_symlinked_run_directory_is_replaced_not_its_target(tmp_path):
    target = previous_run(tmp_path)
    before = contents(target)
    link = tmp_path / "out" / "linked"
    link.symlink_to(target, target_is_directory=True)
    build_new_run(link)
    assert not link.is_symlink()
    assert contents(link)["metrics.csv"] == b"epoch,loss\n0,0.5\n"
    assert contents(target) == before
    assert sorted(p.name for p in link.parent.iterdir()) == ["linked", "run"]


def test_exchange_swaps_two_directories(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "from_a").touch()
    (tmp_path / "b").mkdir()
    if not atomic._exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this platform or file system has no atomic exchange")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from_a"]
    assert list((tmp_path / "a").iterdir()) == []


def test_a_stop_just_after_the_temporary_file_is_made_leaves_no_file(tmp_path, monkeypatch):
    """A signal between mkstemp creating the file and the code that would delete it: the
    file must not be left behind (it was, for 17 of 30 SIGTERMs to a busy sweep)."""
    import os
    import signal
    import tempfile

    from lossexp.errors import Stopped

    real = tempfile.mkstemp

    def made_then_stopped(*args, **kwargs):
        made = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # lands here, as a real stop would
        return made

    monkeypatch.setattr(tempfile, "mkstemp", made_then_stopped)
    with pytest.raises(Stopped):
        atomic.write_bytes(tmp_path / "chunk.npys", b"data")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_names_the_file_it_could_not_write(tmp_path, monkeypatch):
    import errno
    import os

    real = os.fdopen

    class Full:
        def __init__(self, fd, mode):
            self.file = real(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fdopen", Full)
    with pytest.raises(OSError) as info:
        atomic.write_bytes(tmp_path / "summary.json", b"x" * 100)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / "summary.json")
    assert list(tmp_path.iterdir()) == []
