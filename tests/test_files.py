"""The checks of files before they are read: regular files only, without blocking; .npy headers against the file."""

from __future__ import annotations

import io
import os
import socket
import threading

import numpy as np
import pytest

from wordvec.files import NotRegularFileError, file_kind, open_regular_file, read_npy_header


def test_open_regular_file_reads_a_file(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"text")
    with open_regular_file(tmp_path / "a.txt") as handle:
        assert handle.read() == b"text"


def test_open_regular_file_relative_to_a_directory_handle(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"text")
    directory = os.open(tmp_path, os.O_RDONLY)
    try:
        with open_regular_file("a.txt", dir_fd=directory) as handle:
            assert handle.read() == b"text"
    finally:
        os.close(directory)


def _fifo(path):
    os.mkfifo(path)
    return path


def _socket(path):
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    return path


@pytest.mark.parametrize("make, kind", [
    (lambda path: path.mkdir() or path, "a directory"),
    (_fifo, "a named pipe (FIFO)"),
    (_socket, None),  # a socket cannot be opened at all: the system says so
    (lambda path: "/dev/zero", "a character device"),
], ids=["directory", "fifo", "socket", "device"])
def test_open_regular_file_refuses_anything_else_without_waiting(tmp_path, make, kind):
    path = make(tmp_path / "thing")
    outcome = {}

    def attempt():
        try:
            open_regular_file(path)
        except OSError as error:
            outcome["error"] = error

    opener = threading.Thread(target=attempt, daemon=True)
    opener.start()
    opener.join(timeout=10)
    assert not opener.is_alive(), "opening blocked"
    if kind is None:
        assert isinstance(outcome["error"], OSError)
    else:
        assert isinstance(outcome["error"], NotRegularFileError)
        assert outcome["error"].kind == kind
        assert str(outcome["error"]) == f"{kind}, not a regular file"


def test_file_kind_names_every_kind(tmp_path):
    assert file_kind(os.stat(tmp_path).st_mode) == "a directory"
    assert file_kind(os.stat("/dev/null").st_mode) == "a character device"
    assert file_kind(os.stat(_fifo(tmp_path / "p")).st_mode) == "a named pipe (FIFO)"


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _header_file(tmp_path, data: bytes):
    (tmp_path / "a.npy").write_bytes(data)
    return open(tmp_path / "a.npy", "rb")


def test_read_npy_header_gives_the_layout_and_reads_no_data(tmp_path):
    matrix = np.arange(6, dtype=np.float32).reshape(2, 3)
    with _header_file(tmp_path, _npy(np.asfortranarray(matrix))) as handle:
        header = read_npy_header(handle)
        assert handle.tell() == header.offset
    assert (header.shape, header.dtype, header.fortran_order) == ((2, 3), np.dtype(np.float32), True)
    data = (tmp_path / "a.npy").read_bytes()[header.offset :]
    assert len(data) == matrix.nbytes


def _with_header(text: str, data: bytes = b"") -> bytes:
    header = text.encode("latin1")
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


@pytest.mark.parametrize("data, reason", [
    (_npy(np.zeros(3, dtype=np.float32))[:-1], r"its header announces 3 float32 values \(12 bytes\), but 11 bytes follow it"),
    (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (10**12, 300), }"), "its header cannot be parsed"),
    (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 300), }"),
     r"1000000000000 x 300 float32 values \(1,200,000,000,000,000 bytes\), but 0 bytes follow it"),
    (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,"), "its header cannot be parsed"),
    (_npy(np.array([None, {}], dtype=object)), "it holds Python objects, which only pickle could read; it is not read"),
    (_npy(np.zeros(2, dtype="f4,i4")), r"it holds records of \[\('f0', '<f4'\), \('f1', '<i4'\)\], not numbers"),
    (b"\x93NUMPY\x09\x00" + _npy(np.zeros(2))[8:], r"\.npy format version 9\.0 is not one numpy writes"),
    (b"just text, not numpy", "the magic string is not correct"),
    (b"", "EOF"),
], ids=["truncated", "expression", "huge-shape", "cut-header", "object", "structured", "version", "not-npy", "empty"])
def test_read_npy_header_refuses_what_it_cannot_vouch_for(tmp_path, data, reason):
    with _header_file(tmp_path, data) as handle, pytest.raises(ValueError, match=reason):
        read_npy_header(handle)
