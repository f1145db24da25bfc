import pytest

from app.services.storage import StorageService


@pytest.fixture
def storage(tmp_path):
    return StorageService(tmp_path / "files")


def test_read_missing_file_returns_none(storage):
    storage.save("invoices/1.txt", b"total: 10")
    assert storage.read_text("invoices/1.txt") == "total: 10"
    assert storage.read_text("invoices/404.txt") is None


def test_delete_and_size_of_missing_file(storage):
    storage.save("a.txt", b"abc")
    assert storage.file_size("a.txt") == 3
    assert storage.delete("a.txt") is True
    assert storage.delete("a.txt") is False
    assert storage.file_size("a.txt") == 0
    assert storage.copy("a.txt", "b.txt") is False


def test_mirror_failure_does_not_break_save(tmp_path):
    class FlakyBackend:
        def put(self, name, data):
            raise ConnectionError("vendor SDK timeout")

    storage = StorageService(tmp_path / "files", backend=FlakyBackend())
    storage.save("x.txt", b"x")
    assert storage.read_text("x.txt") == "x"
    assert storage.mirror("x.txt", b"x") is False


def test_archive_and_restore_roundtrip(storage, tmp_path):
    storage.save("a.txt", b"A")
    storage.save("sub/b.txt", b"B")
    archive = storage.archive(["a.txt", "sub/b.txt"], tmp_path / "export.tar.gz")
    restored = StorageService(tmp_path / "restored")
    restored.root.mkdir()
    assert restored.restore(archive) == ["a.txt", "sub/b.txt"]
