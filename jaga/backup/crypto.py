"""Passphrase encryption of a backup archive (issue 13 point 10; README, "Backup and
restore").

Format: ``MAGIC`` (8 bytes), the scrypt salt (16 bytes), the nonce prefix (8 bytes), then
chunks of at most ``CHUNK`` (1 MiB) plaintext bytes, each written as its ciphertext length
(4 bytes, big-endian) and its AES-256-GCM ciphertext with tag. The key is scrypt(passphrase,
salt, n=2**15, r=8, p=1). Chunk ``i``'s nonce is the prefix and ``i`` (4 bytes); its
associated data is the header, ``i`` and a flag that marks the last chunk, so a chunk
changed, dropped, reordered or an archive cut short fails to decrypt.

Why chunked AES-GCM rather than Fernet: an archive holds every archived PDF and photo, so it
grows with the years (gigabytes); Fernet authenticates one token held whole in memory,
while the chunks stream in constant memory and are still authenticated end to end.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

#: The first bytes of an encrypted archive.
MAGIC = b"JAGABAK\x01"
#: Plaintext bytes per chunk.
CHUNK = 1024 * 1024
_SALT, _PREFIX, _TAG = 16, 8, 16
_HEADER = len(MAGIC) + _SALT + _PREFIX


class DecryptionError(Exception):
    """A wrong passphrase, or an encrypted archive that was changed or cut short."""


def _key(passphrase: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1)
    return kdf.derive(passphrase.encode("utf-8"))


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">I?", index, last)


def is_encrypted(path: os.PathLike[str] | str) -> bool:
    """Whether the file at ``path`` starts with ``MAGIC``."""
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def encrypt(source: BinaryIO, target: BinaryIO, passphrase: str) -> None:
    """Encrypt everything ``source`` holds into ``target`` (module docstring for the
    format). Raises ``ValueError`` for an empty passphrase."""
    if not passphrase:
        raise ValueError("the passphrase is empty")
    salt, prefix = os.urandom(_SALT), os.urandom(_PREFIX)
    header = MAGIC + salt + prefix
    cipher = AESGCM(_key(passphrase, salt))
    target.write(header)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        nonce = prefix + struct.pack(">I", index)
        sealed = cipher.encrypt(nonce, chunk, _aad(header, index, last))
        target.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return
        chunk, index = following, index + 1


def decrypt(source: BinaryIO, target: BinaryIO, passphrase: str) -> None:
    """Decrypt an archive written by ``encrypt`` from ``source`` into ``target``. Raises
    ``DecryptionError`` for a wrong passphrase or a changed or truncated archive (what was
    written to ``target`` by then must be discarded)."""
    header = source.read(_HEADER)
    if len(header) != _HEADER or not header.startswith(MAGIC):
        raise DecryptionError("not an encrypted Jaga backup")
    salt, prefix = header[len(MAGIC) : len(MAGIC) + _SALT], header[-_PREFIX:]
    cipher = AESGCM(_key(passphrase, salt))
    index = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) != 4:
            raise DecryptionError("the encrypted archive is cut short")
        (size,) = struct.unpack(">I", size_bytes)
        if not _TAG <= size <= CHUNK + _TAG:
            raise DecryptionError("the encrypted archive is damaged")
        sealed = source.read(size)
        if len(sealed) != size:
            raise DecryptionError("the encrypted archive is cut short")
        nonce = prefix + struct.pack(">I", index)
        plain = None
        for last in (False, True):
            try:
                plain = cipher.decrypt(nonce, sealed, _aad(header, index, last))
            except InvalidTag:
                continue
            break
        if plain is None:
            raise DecryptionError("wrong passphrase, or the encrypted archive was changed")
        target.write(plain)
        if last:
            if source.read(1):
                raise DecryptionError("the encrypted archive has data after its end")
            return
        index += 1
