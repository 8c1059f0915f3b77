"""One content digest for dataset checksums and upload manifests."""

import hashlib

from digitstudy.digests import file_digest


def test_file_digest_matches_hashlib_for_each_algorithm(tmp_path):
    path = tmp_path / "blob.bin"
    data = bytes(range(256)) * 5000  # over a megabyte: streamed in several chunks
    path.write_bytes(data)
    assert file_digest(path) == hashlib.sha256(data).hexdigest()
    assert file_digest(path, "md5") == hashlib.md5(data).hexdigest()
