"""okxbridge/shared/address.py: which Redis URLs are taken, and that a password never shows."""

import pytest

from okxbridge.shared.address import RedisAddress, parse_redis_url, read_password, read_trust_root, without_password


@pytest.mark.parametrize("url, expected", [
    ("redis://10.0.0.5", RedisAddress("10.0.0.5", 6379, 0)),
    ("redis://10.0.0.5:6380/3", RedisAddress("10.0.0.5", 6380, 3)),
    ("redis://okxbridge@10.0.0.5:6380/3", RedisAddress("10.0.0.5", 6380, 3, "okxbridge")),
    ("rediss://redis.internal:6390/1", RedisAddress("redis.internal", 6390, 1, tls=True)),
    ("rediss://bridge@redis.internal/2", RedisAddress("redis.internal", 6379, 2, "bridge", True)),
])
def test_urls_taken(url, expected):
    address = parse_redis_url(url)
    assert address == expected
    assert parse_redis_url(str(address)) == address  # str() is a URL that means the same


@pytest.mark.parametrize("url, says", [
    ("http://10.0.0.5:6379/0", "is not redis://"),
    ("redis:///0", "is not redis://"),
    ("redis://10.0.0.5/x", "must be a number"),
    ("redis://10.0.0.5:99999/0", "bad port"),
])
def test_urls_refused(url, says):
    with pytest.raises(ValueError, match=says):
        parse_redis_url(url)


@pytest.mark.parametrize("url", ["redis://:hunter2pw@10.0.0.5/0", "rediss://u:hunter2pw@h:1/0",
                                 "http://u:hunter2pw@h/0"])
def test_a_password_in_the_url_is_refused_and_not_quoted(url):
    with pytest.raises(ValueError) as refused:
        parse_redis_url(url)
    assert "hunter2pw" not in str(refused.value)
    assert "--shared-state-password-file" in str(refused.value)
    assert "hunter2pw" not in without_password(url)


def test_the_password_is_the_files_first_line_and_never_printed(tmp_path):
    path = tmp_path / "pw"
    path.write_text("a b:c@d\nignored\n", encoding="utf-8")
    password = read_password(str(path))
    assert password.value == "a b:c@d"
    assert "a b:c@d" not in repr(password) + str(password) + f"{password!r}{[password]}"


@pytest.mark.parametrize("content", [b"", b"\n", b"\xff\xfe"])
def test_unusable_password_files_are_refused_without_their_content(tmp_path, content):
    path = tmp_path / "pw"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="pw"):
        read_password(str(path))
    with pytest.raises(ValueError, match="cannot read"):
        read_password(str(tmp_path / "missing"))


def test_a_ca_file_without_certificates_is_refused(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_text("not a certificate\n")
    with pytest.raises(ValueError, match="no PEM certificate"):
        read_trust_root(str(path))

