"""Every stdlib/builtin knowledge-base entry is backed by code that really raises what it lists.

``TRIGGERS[entry][exception]`` is a snippet that, run for real, raises an instance of that
exception.  A new stdlib entry without triggers fails ``test_every_stdlib_entry_has_triggers``.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualitytool.exceptions.inference.hierarchy import runtime_class
from qualitytool.exceptions.inference.knowledge import (
    KnowledgeBaseError,
    load_knowledge_base,
    parse_knowledge,
)
from qualitytool.exceptions.inference.pythons import STDLIB_MODULES

KB = load_knowledge_base()

# Listed because the docs say so, but not reproducible on a Linux test machine.
DOCUMENTED_ONLY = {
    ("datetime.datetime", "OSError"): "timestamp()/astimezone() on platforms whose C library "
                                      "cannot convert the date (Windows)",
    ("datetime.datetime.fromtimestamp", "OSError"): "localtime() failure (Windows, 32-bit)",
}

PY = repr(sys.executable)

TRIGGERS: dict[str, dict[str, str]] = {
    "builtins.int": {"ValueError": "int('x')", "TypeError": "int(None)",
                     "OverflowError": "int(float('inf'))"},
    "builtins.float": {"ValueError": "float('x')", "TypeError": "float(None)",
                       "OverflowError": "float(10 ** 400)"},
    "builtins.next": {"StopIteration": "next(iter([]))"},
    "builtins.getattr": {"AttributeError": "getattr(object(), 'nope')"},
    "builtins.open": {"OSError": "open(missing)", "ValueError": "open(wfile, 'zz')",
                      "LookupError": "open(wfile, encoding='nope')"},
    "builtins.bytes.fromhex": {"ValueError": "bytes.fromhex('zz')"},
    "builtins.bytes.decode": {"ValueError": "b'\\xff'.decode()"},
    "builtins.str.encode": {"ValueError": "'\\xe9'.encode('ascii')"},
    "builtins.str.index": {"ValueError": "'abc'.index('z')"},
    "builtins.list.index": {"ValueError": "[1].index(2)"},
    "builtins.list.remove": {"ValueError": "[1].remove(2)"},
    "builtins.list.pop": {"IndexError": "[].pop()"},
    "builtins.dict.pop": {"KeyError": "{}.pop('k')"},
    "builtins.min": {"ValueError": "min([])"},
    "builtins.max": {"ValueError": "max([])"},
    "builtins.chr": {"ValueError": "chr(-1)"},
    "builtins.divmod": {"ZeroDivisionError": "divmod(1, 0)"},
    "builtins.setattr": {"AttributeError": "setattr(object(), 'x', 1)"},
    "builtins.delattr": {"AttributeError": "delattr(object(), 'x')"},
    "builtins.set.remove": {"KeyError": "set().remove(1)"},
    "sys.exit": {"SystemExit": "sys.exit(1)"},
    "json.loads": {"ValueError": "json.loads('{')", "TypeError": "json.loads(None)"},
    "json.load": {"ValueError": "json.load(io.StringIO('{'))", "OSError": "json.load(wo)",
                  "RecursionError": "json.load(io.StringIO('[' * 100000))"},
    "json.dumps": {"TypeError": "json.dumps(object())",
                   "ValueError": "l = []; l.append(l); json.dumps(l)"},
    "json.dump": {"TypeError": "json.dump(object(), io.StringIO())",
                  "ValueError": "json.dump(float('nan'), io.StringIO(), allow_nan=False)",
                  "OSError": "json.dump({}, ro)"},
    "csv.reader": {"csv.Error": "next(csv.reader(['\"a'], strict=True))"},
    "csv.writer": {
        "csv.Error": "csv.writer(io.StringIO(), quoting=csv.QUOTE_NONE).writerow(['a,b'])"},
    "configparser.ConfigParser.read": {
        "configparser.Error": "p = tmp / 'bad.ini'; p.write_text('no header'); "
                              "configparser.ConfigParser().read(p)"},
    "configparser.ConfigParser.read_file": {
        "configparser.Error": "configparser.ConfigParser().read_file(io.StringIO('no header'))",
        "OSError": "configparser.ConfigParser().read_file(wo)"},
    "configparser.ConfigParser.read_string": {
        "configparser.Error": "configparser.ConfigParser().read_string('[a]\\n[a]\\n')"},
    "configparser.ConfigParser.get": {
        "configparser.Error": "configparser.ConfigParser().get('a', 'b')"},
    "configparser.ConfigParser.getint": {
        "configparser.Error": "configparser.ConfigParser().getint('a', 'b')",
        "ValueError": "c = configparser.ConfigParser(); c.read_string('[a]\\nb = x'); "
                      "c.getint('a', 'b')"},
    "configparser.ConfigParser.getfloat": {
        "configparser.Error": "configparser.ConfigParser().getfloat('a', 'b')",
        "ValueError": "c = configparser.ConfigParser(); c.read_string('[a]\\nb = x'); "
                      "c.getfloat('a', 'b')"},
    "configparser.ConfigParser.getboolean": {
        "configparser.Error": "configparser.ConfigParser().getboolean('a', 'b')",
        "ValueError": "c = configparser.ConfigParser(); c.read_string('[a]\\nb = x'); "
                      "c.getboolean('a', 'b')"},
    "tomllib.loads": {"ValueError": "tomllib.loads('a =')", "TypeError": "tomllib.loads(b'a = 1')"},
    "tomllib.load": {"ValueError": "tomllib.load(io.BytesIO(b'a ='))",
                     "TypeError": "tomllib.load(io.StringIO('a = 1'))",
                     "OSError": "tomllib.load(wo)"},
    "xml.etree.ElementTree.fromstring": {
        "xml.etree.ElementTree.ParseError": "ET.fromstring('<a>')"},
    "xml.etree.ElementTree.parse": {
        "xml.etree.ElementTree.ParseError": "ET.parse(io.StringIO('<a>'))",
        "OSError": "ET.parse(missing)"},
    "pickle.loads": {
        "pickle.UnpicklingError": "pickle.loads(b'x')", "EOFError": "pickle.loads(b'')",
        "AttributeError": "pickle.loads(b'cbuiltins\\nnope_xyz\\n.')",
        "ImportError": "pickle.loads(b'cnope_module_xyz\\nf\\n.')",
        "TypeError": "pickle.loads(None)", "ValueError": "pickle.loads(b'\\x80\\x09.')"},
    "pickle.load": {
        "pickle.UnpicklingError": "pickle.load(io.BytesIO(b'x'))",
        "EOFError": "pickle.load(io.BytesIO(b''))",
        "AttributeError": "pickle.load(io.BytesIO(b'cbuiltins\\nnope_xyz\\n.'))",
        "ImportError": "pickle.load(io.BytesIO(b'cnope_module_xyz\\nf\\n.'))",
        "TypeError": "pickle.load(None)", "ValueError": "pickle.load(io.BytesIO(b'\\x80\\x09.'))",
        "OSError": "pickle.load(wo)"},
    "pickle.dumps": {
        "pickle.PicklingError": "def f(): pass\nf.__qualname__ = 'nope_xyz'\npickle.dumps(f)",
        "TypeError": "pickle.dumps(threading.Lock())",
        "AttributeError": "def g():\n    class A: pass\n    return A()\npickle.dumps(g())"},
    "base64.b64decode": {"binascii.Error": "base64.b64decode('a')",
                         "ValueError": "base64.b64decode('\\xe9')",
                         "TypeError": "base64.b64decode(None)"},
    "base64.urlsafe_b64decode": {"binascii.Error": "base64.urlsafe_b64decode('a')",
                                 "ValueError": "base64.urlsafe_b64decode('\\xe9')",
                                 "TypeError": "base64.urlsafe_b64decode(None)"},
    "base64.b32decode": {"binascii.Error": "base64.b32decode('a')",
                         "ValueError": "base64.b32decode('\\xe9')",
                         "TypeError": "base64.b32decode(None)"},
    "base64.b64encode": {"TypeError": "base64.b64encode('text')"},
    "binascii.unhexlify": {"binascii.Error": "binascii.unhexlify('a')",
                           "TypeError": "binascii.unhexlify(None)",
                           "ValueError": "binascii.unhexlify('\\xe9')"},
    "binascii.a2b_base64": {"binascii.Error": "binascii.a2b_base64('a')",
                            "TypeError": "binascii.a2b_base64(None)",
                            "ValueError": "binascii.a2b_base64('\\xe9')"},
    "struct.unpack": {"struct.error": "struct.unpack('>I', b'')"},
    "struct.pack": {"struct.error": "struct.pack('>B', 300)"},
    "zlib.decompress": {"zlib.error": "zlib.decompress(b'nope')"},
    "gzip.decompress": {
        "gzip.BadGzipFile": "gzip.decompress(b'not gzip data')",
        "EOFError": "gzip.decompress(gzip.compress(b'hello' * 20)[:-5])",
        "zlib.error": "gzip.decompress(b'\\x1f\\x8b\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\xff' + "
                      "b'\\xff' * 16)"},
    "gzip.open": {"OSError": "gzip.open(missing)", "ValueError": "gzip.open(wfile, 'zz')"},
    "zipfile.ZipFile": {"zipfile.BadZipFile": "zipfile.ZipFile(wfile)",
                        "OSError": "zipfile.ZipFile(missing)"},
    "zipfile.ZipFile.extractall": {
        "OSError": "zipfile.ZipFile(good_zip).extractall(wfile)",
        "zipfile.BadZipFile": "zipfile.ZipFile(bad_crc_zip).extractall(tmp / 'out')"},
    "zipfile.ZipFile.read": {"KeyError": "zipfile.ZipFile(good_zip).read('nope')",
                             "zipfile.BadZipFile": "zipfile.ZipFile(bad_crc_zip).read('a.txt')"},
    "tarfile.open": {"tarfile.TarError": "tarfile.open(wfile, 'r:gz')",
                     "OSError": "tarfile.open(missing)"},
    "tarfile.TarFile.add": {"OSError": "tarfile.open(tmp / 'o.tar', 'w').add(missing)"},
    "tarfile.TarFile.extractall": {
        "tarfile.TarError": "tarfile.open(outside_tar).extractall(tmp / 'out', filter='data')",
        "OSError": "tarfile.open(good_tar).extractall(wfile, filter='data')"},
    "tarfile.is_tarfile": {"OSError": "tarfile.is_tarfile(missing)"},
    "re.compile": {"re.error": "re.compile('(')"},
    "re.match": {"re.error": "re.match('(', '')"},
    "re.search": {"re.error": "re.search('(', '')"},
    "re.fullmatch": {"re.error": "re.fullmatch('(', '')"},
    "re.sub": {"re.error": "re.sub('(', '', '')"},
    "re.findall": {"re.error": "re.findall('(', '')"},
    "re.split": {"re.error": "re.split('(', '')"},
    "datetime.datetime.strptime": {"ValueError": "datetime.datetime.strptime('x', '%Y')"},
    "datetime.datetime.fromisoformat": {"ValueError": "datetime.datetime.fromisoformat('x')"},
    "datetime.date.fromisoformat": {"ValueError": "datetime.date.fromisoformat('x')"},
    "datetime.datetime.fromtimestamp": {"OverflowError": "datetime.datetime.fromtimestamp(1e20)",
                                        "ValueError": "datetime.datetime.fromtimestamp(1e15)"},
    "datetime.date": {"ValueError": "datetime.date(2020, 13, 1)"},
    "datetime.datetime": {"ValueError": "datetime.datetime(2020, 1, 32)"},
    "decimal.Decimal": {"decimal.InvalidOperation": "decimal.Decimal('x')",
                        "ValueError": "decimal.Decimal((0, (1,), 'x'))",
                        "TypeError": "decimal.Decimal(object())"},
    "uuid.UUID": {"ValueError": "uuid.UUID('x')", "TypeError": "uuid.UUID()"},
    "ipaddress.ip_address": {"ValueError": "ipaddress.ip_address('x')"},
    "ipaddress.ip_network": {"ValueError": "ipaddress.ip_network('1.2.3.4/33')"},
    "ipaddress.ip_interface": {"ValueError": "ipaddress.ip_interface('x')"},
    "hmac.compare_digest": {"TypeError": "hmac.compare_digest('\\xe9', '\\xe9')"},
    "hashlib.pbkdf2_hmac": {"ValueError": "hashlib.pbkdf2_hmac('nope', b'p', b's', 1)",
                            "OverflowError": "hashlib.pbkdf2_hmac('sha256', b'p', b's', 2 ** 64)"},
    "os.remove": {"OSError": "os.remove(missing)"},
    "os.unlink": {"OSError": "os.unlink(missing)"},
    "os.rename": {"OSError": "os.rename(missing, tmp / 'x')"},
    "os.replace": {"OSError": "os.replace(missing, tmp / 'x')"},
    "os.mkdir": {"OSError": "os.mkdir(tmp)"},
    "os.makedirs": {"OSError": "os.makedirs(wfile + '/sub')"},
    "os.rmdir": {"OSError": "os.rmdir(missing)"},
    "os.listdir": {"OSError": "os.listdir(missing)"},
    "os.scandir": {"OSError": "os.scandir(missing)"},
    "os.stat": {"OSError": "os.stat(missing)"},
    "os.lstat": {"OSError": "os.lstat(missing)"},
    "os.chmod": {"OSError": "os.chmod(missing, 0o644)"},
    "os.chdir": {"OSError": "os.chdir(missing)"},
    "os.symlink": {"OSError": "os.symlink(wfile, wfile)"},
    "os.readlink": {"OSError": "os.readlink(wfile)"},
    "os.kill": {"OSError": "os.kill(99999999, 0)"},
    "os.fsync": {"OSError": "os.fsync(bad_fd)"},
    "os.close": {"OSError": "os.close(bad_fd)"},
    "os.path.getsize": {"OSError": "os.path.getsize(missing)"},
    "os.path.getmtime": {"OSError": "os.path.getmtime(missing)"},
    "os.path.getatime": {"OSError": "os.path.getatime(missing)"},
    "os.path.realpath": {"OSError": "os.path.realpath(missing, strict=True)"},
    "shutil.copyfile": {"OSError": "shutil.copyfile(missing, tmp / 'x')"},
    "shutil.copy": {"OSError": "shutil.copy(missing, tmp / 'x')"},
    "shutil.copy2": {"OSError": "shutil.copy2(missing, tmp / 'x')"},
    "shutil.copytree": {"OSError": "shutil.copytree(missing, tmp / 'x')"},
    "shutil.move": {"OSError": "shutil.move(missing, tmp / 'x')"},
    "shutil.rmtree": {"OSError": "shutil.rmtree(missing)"},
    "shutil.disk_usage": {"OSError": "shutil.disk_usage(missing)"},
    "pathlib.Path.read_text": {"OSError": "Path(missing).read_text()",
                               "ValueError": "Path(latin_file).read_text(encoding='utf-8')",
                               "LookupError": "Path(wfile).read_text(encoding='nope')"},
    "pathlib.Path.read_bytes": {"OSError": "Path(missing).read_bytes()"},
    "pathlib.Path.write_text": {"OSError": "Path(missing, 'sub').write_text('x')",
                                "ValueError": "Path(tmp, 'w.txt').write_text('\\xe9', "
                                              "encoding='ascii')",
                                "LookupError": "Path(tmp, 'w.txt').write_text('x', "
                                               "encoding='nope')"},
    "pathlib.Path.write_bytes": {"OSError": "Path(missing, 'sub').write_bytes(b'x')"},
    "pathlib.Path.open": {"OSError": "Path(missing).open()", "ValueError": "Path(wfile).open('zz')",
                          "LookupError": "Path(wfile).open(encoding='nope')"},
    "pathlib.Path.unlink": {"OSError": "Path(missing).unlink()"},
    "pathlib.Path.mkdir": {"OSError": "Path(tmp).mkdir()"},
    "pathlib.Path.rmdir": {"OSError": "Path(missing).rmdir()"},
    "pathlib.Path.stat": {"OSError": "Path(missing).stat()"},
    "pathlib.Path.rename": {"OSError": "Path(missing).rename(tmp / 'x')"},
    "pathlib.Path.resolve": {"OSError": "Path(missing).resolve(strict=True)",
                             "RuntimeError": "os.symlink('loop', tmp / 'loop'); (tmp / "
                                             "'loop').resolve()"},
    "pathlib.Path.relative_to": {"ValueError": "Path('/a').relative_to('/b')"},
    "io.IOBase.read": {"OSError": "wo.read()", "ValueError": "closed_file.read()"},
    "io.IOBase.readline": {"OSError": "wo.readline()", "ValueError": "closed_file.readline()"},
    "io.IOBase.readlines": {"OSError": "wo.readlines()", "ValueError": "closed_file.readlines()"},
    "io.IOBase.write": {"OSError": "ro.write('x')", "ValueError": "closed_file.write('x')"},
    "io.IOBase.flush": {"OSError": "f = open('/dev/full', 'w'); f.write('x'); f.flush()",
                        "ValueError": "closed_file.flush()"},
    "io.IOBase.close": {"OSError": "f = open('/dev/full', 'w'); f.write('x'); f.close()"},
    "io.IOBase.seek": {"OSError": "r, w = os.pipe(); open(r, 'rb', buffering=0).seek(1)",
                       "ValueError": "closed_file.seek(0)"},
    "subprocess.run": {"OSError": "subprocess.run([missing])",
                       "subprocess.SubprocessError": f"subprocess.run([{PY}, '-c', "
                                                     "'raise SystemExit(1)'], check=True)"},
    "subprocess.check_call": {"OSError": "subprocess.check_call([missing])",
                              "subprocess.CalledProcessError": f"subprocess.check_call([{PY}, "
                                                               "'-c', 'raise SystemExit(1)'])"},
    "subprocess.check_output": {"OSError": "subprocess.check_output([missing])",
                                "subprocess.CalledProcessError": f"subprocess.check_output([{PY}, "
                                                                 "'-c', 'raise SystemExit(1)'])"},
    "subprocess.call": {"OSError": "subprocess.call([missing])",
                        "subprocess.TimeoutExpired": f"subprocess.call([{PY}, '-c', 'import time; "
                                                     "time.sleep(5)'], timeout=0.2)"},
    "subprocess.Popen": {"OSError": "subprocess.Popen([missing])",
                         "ValueError": "subprocess.Popen(['true'], startupinfo=object())"},
    "importlib.import_module": {"ImportError": "importlib.import_module('nope_module_xyz')"},
    "importlib.metadata.version": {
        "importlib.metadata.PackageNotFoundError": "importlib.metadata.version('nope-dist-xyz')"},
    "socket.socket": {"OSError": "socket.socket(12345)"},
    "socket.socket.connect": {
        "OSError": "s = socket.socket(); s.connect(('127.0.0.1', free_port))"},
    "socket.socket.send": {"OSError": "socket.socket().send(b'x')"},
    "socket.socket.sendall": {"OSError": "socket.socket().sendall(b'x')"},
    "socket.socket.recv": {"OSError": "socket.socket().recv(1)"},
    "socket.socket.close": {"OSError": "s = socket.socket(); os.close(s.fileno()); s.close()"},
    "socket.create_connection": {"OSError": "socket.create_connection(('127.0.0.1', free_port))"},
    "socket.getaddrinfo": {"OSError": "socket.getaddrinfo('localhost', 'nope-service-xyz')",
                           "UnicodeError": "socket.getaddrinfo('a' * 64 + '.com', 80)"},
    "ssl.create_default_context": {"OSError": "ssl.create_default_context(cafile=missing)",
                                   "ssl.SSLError": "ssl.create_default_context(cafile=wfile)"},
    "ssl.SSLContext.load_cert_chain": {
        "OSError": "ssl.create_default_context().load_cert_chain(missing)"},
    "urllib.request.urlopen": {
        "OSError": "urllib.request.urlopen(f'http://127.0.0.1:{free_port}/', timeout=5)",
        "ValueError": "urllib.request.urlopen('nope')",
        "http.client.HTTPException":
            "urllib.request.urlopen(f'http://127.0.0.1:{closing_port}/', timeout=5)"},
    "urllib.request.Request": {"ValueError": "urllib.request.Request('nope')"},
    "urllib.parse.urlsplit": {"ValueError": "urllib.parse.urlsplit('http://[::1')"},
    "urllib.parse.urlparse": {"ValueError": "urllib.parse.urlparse('http://[::1')"},
    "urllib.parse.urlencode": {"TypeError": "urllib.parse.urlencode('x')"},
    "urllib.parse.parse_qsl": {"ValueError": "urllib.parse.parse_qsl('a', strict_parsing=True)"},
    "http.client.HTTPConnection.request": {
        "OSError": "http.client.HTTPConnection('127.0.0.1', free_port, "
                   "timeout=5).request('GET', '/')",
        "http.client.HTTPException": "http.client.HTTPConnection('127.0.0.1', "
                                     "free_port).request('GET', '/ x')"},
    "http.client.HTTPConnection.getresponse": {
        "OSError": "c = http.client.HTTPConnection('127.0.0.1', closing_port, timeout=5); "
                   "c.request('GET', '/'); c.getresponse()",
        "http.client.HTTPException": "http.client.HTTPConnection('127.0.0.1', "
                                     "free_port).getresponse()"},
    "sqlite3.connect": {"sqlite3.Error": "sqlite3.connect(missing + '/x.db')"},
    "sqlite3.Connection.execute": {"sqlite3.Error": "sqlite3.connect(':memory:').execute('nope')"},
    "sqlite3.Connection.executemany": {
        "sqlite3.Error": "sqlite3.connect(':memory:').executemany('nope', [])"},
    "sqlite3.Connection.executescript": {
        "sqlite3.Error": "sqlite3.connect(':memory:').executescript('nope')"},
    "sqlite3.Connection.commit": {
        "sqlite3.Error": "c = sqlite3.connect(':memory:'); c.close(); c.commit()"},
    "sqlite3.Connection.rollback": {
        "sqlite3.Error": "c = sqlite3.connect(':memory:'); c.close(); c.rollback()"},
    "sqlite3.Connection.close": {"sqlite3.Error": "other_thread_connection.close()"},
    "sqlite3.Connection.cursor": {
        "sqlite3.Error": "c = sqlite3.connect(':memory:'); c.close(); c.cursor()"},
    "sqlite3.Cursor.execute": {
        "sqlite3.Error": "sqlite3.connect(':memory:').cursor().execute('nope')"},
    "sqlite3.Cursor.fetchone": {
        "sqlite3.Error": "c = sqlite3.connect(':memory:'); k = c.execute('SELECT 1'); c.close(); "
                         "k.fetchone()"},
    "sqlite3.Cursor.fetchall": {
        "sqlite3.Error": "c = sqlite3.connect(':memory:'); k = c.execute('SELECT 1'); c.close(); "
                         "k.fetchall()"},
    "asyncio.wait_for": {
        "asyncio.TimeoutError": "asyncio.run(asyncio.wait_for(asyncio.sleep(5), 0.01))"},
    "asyncio.open_connection": {
        "OSError": "asyncio.run(asyncio.open_connection('127.0.0.1', free_port))"},
    "asyncio.Queue.get_nowait": {"asyncio.QueueEmpty": "asyncio.Queue().get_nowait()"},
    "asyncio.Queue.put_nowait": {
        "asyncio.QueueFull": "q = asyncio.Queue(1); q.put_nowait(1); q.put_nowait(2)"},
    "concurrent.futures.Future.result": {
        "concurrent.futures.TimeoutError": "concurrent.futures.Future().result(timeout=0)",
        "concurrent.futures.CancelledError": "f = concurrent.futures.Future(); "
                                             "f.cancel(); f.result()"},
    "queue.Queue.get_nowait": {"queue.Empty": "queue.Queue().get_nowait()"},
    # operations
    "import": {"ImportError": "import nope_module_xyz"},
    "subscript": {"LookupError": "{}['k']"},
    "subscript:builtins.dict": {"KeyError": "{}['k']"},
    "subscript:builtins.list": {"IndexError": "[][0]"},
    "subscript:builtins.tuple": {"IndexError": "()[0]"},
    "subscript:builtins.str": {"IndexError": "''[0]"},
    "subscript-store": {"IndexError": "x = []; x[0] = 1"},
    "subscript-store:builtins.list": {"IndexError": "x = []; x[0] = 1"},
    "division": {"ZeroDivisionError": "n = 0; 1 / n"},
    "power": {"ZeroDivisionError": "n = 0; n ** -1", "OverflowError": "10.0 ** 400"},
    "unpacking": {"ValueError": "a, b = [1]"},
    "assert": {"AssertionError": "assert False"},
}

# Builtins that run their arguments' special methods (`dispatch` in the knowledge base) and
# the context managers' exits.
TRIGGERS.update({
    "builtins.dict": {"TypeError": "dict(1)", "ValueError": "dict(['abc'])"},
    "builtins.list": {"TypeError": "list(1)"},
    "builtins.tuple": {"TypeError": "tuple(1)"},
    "builtins.sorted": {"TypeError": "sorted([1, 'a'])"},
    "builtins.str.join": {"TypeError": "','.join([1])"},
    "builtins.str.format": {"KeyError": "'{a}'.format()", "IndexError": "'{}'.format()",
                            "ValueError": "'{:d}'.format('x')",
                            "AttributeError": "'{0.nope}'.format(1)",
                            "TypeError": "'{:d}'.format(None)"},
    "builtins.dict.update": {"TypeError": "{}.update(1)", "ValueError": "{}.update(['abc'])"},
    "builtins.list.extend": {"TypeError": "[].extend(1)"},
    "builtins.range": {"TypeError": "range('a')", "ValueError": "range(0, 1, 0)"},
    "builtins.set": {"TypeError": "set([[]])"},
    "builtins.frozenset": {"TypeError": "frozenset([[]])"},
    "builtins.enumerate": {"TypeError": "enumerate(1)"},
    "builtins.zip": {"TypeError": "zip(1)"},
    "builtins.map": {"TypeError": "map(str, 1)"},
    "builtins.filter": {"TypeError": "filter(None, 1)"},
    "builtins.reversed": {"TypeError": "reversed(1)"},
    "builtins.sum": {"TypeError": "sum(['a'])"},
    "builtins.any": {"TypeError": "any(1)"},
    "builtins.all": {"TypeError": "all(1)"},
    "builtins.abs": {"TypeError": "abs('a')"},
    "builtins.round": {"TypeError": "round('a')", "ValueError": "round(float('nan'))",
                       "OverflowError": "round(float('inf'))"},
    "builtins.iter": {"TypeError": "iter(1)"},
    "builtins.format": {"ValueError": "format(1, 'zz')", "TypeError": "format(1, 2)"},
    "builtins.list.sort": {"TypeError": "[1, 'a'].sort()"},
    "builtins.set.add": {"TypeError": "set().add([])"},
    "builtins.set.discard": {"TypeError": "set().discard([])"},
    "builtins.set.remove": {"KeyError": "set().remove(1)", "TypeError": "set().remove([])"},
    "builtins.min": {"ValueError": "min([])", "TypeError": "min([1, 'a'])"},
    "builtins.max": {"ValueError": "max([])", "TypeError": "max([1, 'a'])"},
    "builtins.chr": {"ValueError": "chr(-1)", "TypeError": "chr('a')"},
    "builtins.divmod": {"ZeroDivisionError": "divmod(1, 0)", "TypeError": "divmod('a', 1)"},
    "os.stat": {"OSError": "os.stat(missing)", "ValueError": "os.stat('a\\0b')"},
    "copy.deepcopy": {"TypeError": "copy.deepcopy(threading.Lock())"},
    "copy.copy": {"TypeError": "copy.copy(threading.Lock())"},
    "asyncio.create_task": {
        "RuntimeError": "c = asyncio.sleep(0)\ntry:\n    asyncio.create_task(c)\nfinally:\n"
                        "    c.close()",
        "TypeError": "async def main():\n    asyncio.create_task(1)\n"
                     "asyncio.run(main())"},
    "calendar.timegm": {"TypeError": "calendar.timegm(None)",
                        "ValueError": "calendar.timegm((2020,))",
                        "OverflowError": "calendar.timegm((10**20, 1, 1, 0, 0, 0))"},
    "builtins.str.removeprefix": {"TypeError": "'a'.removeprefix(1)"},
    "builtins.str.removesuffix": {"TypeError": "'a'.removesuffix(1)"},
    "builtins.str.zfill": {"TypeError": "'a'.zfill('x')"},
    "builtins.str.center": {"TypeError": "'a'.center('x')"},
    "builtins.str.ljust": {"TypeError": "'a'.ljust('x')"},
    "builtins.str.rjust": {"TypeError": "'a'.rjust('x')"},
    "asyncio.tasks.create_task": {
        "RuntimeError": "c = asyncio.sleep(0)\ntry:\n    asyncio.tasks.create_task(c)\nfinally:\n"
                        "    c.close()",
        "TypeError": "async def main():\n    "
                     "asyncio.tasks.create_task(1)\nasyncio.run(main())"},
    "typing.NamedTuple": {"TypeError": "typing.NamedTuple('P', [('x', int)])()"},
    "enum.Enum": {"ValueError": "enum.Enum('C', 'A')(99)"},
    "abc.ABC": {
        "TypeError": "class A(abc.ABC):\n    @abc.abstractmethod\n    def f(self): ...\nA()"},
    "pathlib.Path.is_file": {"OSError": "Path('/x' * 3000).is_file()"},
    "pathlib.Path.is_dir": {"OSError": "Path('/x' * 3000).is_dir()"},
    "io.IOBase.__enter__": {"ValueError": "closed_file.__enter__()"},
    "io.IOBase.__exit__": {
        "OSError": "f = open('/dev/full', 'w')\nf.write('x')\nf.__exit__(None, None, None)"},
    "socket.socket.__exit__": {
        "OSError": "s = socket.socket()\nos.close(s.fileno())\ns.__exit__(None, None, None)"},
    "sqlite3.Connection.__exit__": {
        "sqlite3.Error": "other_thread_connection.__exit__(None, None, None)"},
    "zipfile.ZipFile.__exit__": {
        "OSError": "z = zipfile.ZipFile(open('/dev/full', 'wb'), 'w')\n"
                   "z.writestr('a', 'b' * 100000)\nz.__exit__(None, None, None)",
        "ValueError": "z = zipfile.ZipFile(io.BytesIO(), 'w')\nw = z.open('a', 'w')\n"
                      "z.__exit__(None, None, None)"},
})

# A zip archive whose central directory has ``{1}`` at offset ``{0}`` of its first record.
_ZIP_CENTRAL = ("b = io.BytesIO()\nwith zipfile.ZipFile(b, 'w') as z:\n    z.writestr('a', 'x' * "
                "100)\n"
                "d = b.getvalue(); c = d.index(b'PK\\x01\\x02')\n"
                "d = io.BytesIO(d[:c + {0}] + {1} + d[c + {0} + len({1}):])\n")
# ``{0}`` run on ``tmp / 'deep'``, folders nested past the recursion limit, removed after it
# (leaving them, pytest's clean-up of old temporary folders would recurse into them).
_DEEP_FOLDER = ("deep = str(tmp)\nfor part in ['deep'] + ['a'] * 1100:\n    deep = "
                "os.path.join(deep, part); os.mkdir(deep)\n"
                "try:\n    {0}\nfinally:\n"
                "    while deep != str(tmp):\n        os.rmdir(deep); deep = "
                "os.path.dirname(deep)\n")

# An asyncio lock (``{0}``) waited for in one event loop, then waited for in another: the
# second wait raises RuntimeError ("is bound to a different event loop"); ``{1}`` is the call.
_LOCK_IN_TWO_LOOPS = (
    "async def hold(lock):\n    async with lock:\n        await asyncio.sleep(0.01)\n"
    "async def contend(lock, call):\n    holder = asyncio.ensure_future(hold(lock))\n"
    "    await asyncio.sleep(0)\n    try:\n        await call(lock)\n    finally:\n"
    "        await holder\n"
    "lock = {0}\n"
    "asyncio.run(contend(lock, hold))\n"
    "asyncio.run(contend(lock, {1}))\n"
)

# What hostile input raises (tests/test_kb_hostile.py finds each; one real case of each here).
TRIGGERS.update({
    **{f"asyncio.locks.{cls}.__aenter__": {
        "RuntimeError": _LOCK_IN_TWO_LOOPS.format(f"asyncio.{cls}()",
                                                  "lambda lock: lock.__aenter__()")}
       for cls in ("Lock", "Semaphore", "BoundedSemaphore")},
    "asyncio.locks.Lock.acquire": {
        "RuntimeError": _LOCK_IN_TWO_LOOPS.format("asyncio.Lock()",
                                                  "lambda lock: lock.acquire()")},
    "asyncio.locks.Lock.release": {"RuntimeError": "asyncio.Lock().release()"},
    "threading.Lock.__exit__": {"RuntimeError": "lock = threading.Lock()\nwith lock:\n    "
                                                "lock.release()"},
    "asyncio.locks.Lock.__aexit__": {
        "RuntimeError": "async def f():\n    lock = asyncio.Lock()\n    async with lock:\n"
                        "        lock.release()\nasyncio.run(f())"},
    "asyncio.locks.BoundedSemaphore.__aexit__": {
        "ValueError": "async def f():\n    s = asyncio.BoundedSemaphore()\n    async with s:\n"
                      "        s.release()\nasyncio.run(f())"},
    "builtins.print": {"OSError": "print('x', file=open('/dev/full', 'w', buffering=1))",
                       "ValueError": "print(chr(0xD800), file=open(wfile, 'w', encoding='utf-8'))"},
    "xml.etree.ElementTree.fromstring": {
        "xml.etree.ElementTree.ParseError": "ET.fromstring('<a>')",
        "ValueError": "ET.fromstring('<a>' + chr(0xD800) + '</a>')"},
    "xml.etree.ElementTree.parse": {
        "xml.etree.ElementTree.ParseError": "ET.parse(io.StringIO('<a>'))",
        "OSError": "ET.parse(missing)",
        "ValueError": "ET.parse(missing + chr(0))"},
    "configparser.ConfigParser.read": {
        "configparser.Error": "p = tmp / 'bad.ini'; p.write_text('no header'); "
                              "configparser.ConfigParser().read(p)",
        "ValueError": "configparser.ConfigParser().read(latin_file, encoding='utf-8')"},
    "zipfile.ZipFile": {"zipfile.BadZipFile": "zipfile.ZipFile(wfile)",
                        "OSError": "zipfile.ZipFile(missing)",
                        "ValueError": "zipfile.ZipFile(missing + chr(0))",
                        "NotImplementedError": _ZIP_CENTRAL.format(6, "bytes([110])")
                        + "zipfile.ZipFile(d)"},
    "zipfile.ZipFile.extractall": {
        "OSError": "zipfile.ZipFile(good_zip).extractall(wfile)",
        "zipfile.BadZipFile": "zipfile.ZipFile(bad_crc_zip).extractall(tmp / 'out')",
        "zlib.error": "zipfile.ZipFile(corrupt_zip).extractall(tmp / 'out')",
        "ValueError": "z = zipfile.ZipFile(good_zip); z.close(); z.extractall(tmp / 'out')",
        "NotImplementedError": _ZIP_CENTRAL.format(10, "b'\\x63\\x00'")
        + "zipfile.ZipFile(d).extractall(tmp / 'out')",
        "EOFError": _ZIP_CENTRAL.format(20, "(10**6).to_bytes(4, 'little') * 2")
        + "zipfile.ZipFile(d).extractall(tmp / 'out')",
        "lzma.LZMAError": "import random\nb = io.BytesIO()\n"
                          "with zipfile.ZipFile(b, 'w', zipfile.ZIP_LZMA) as z:\n"
                          "    z.writestr('a', random.Random(22).randbytes(20000))\n"
                          "d = b.getvalue(); m = len(d) // 2\n"
                          "d = d[:m] + bytes(x ^ 0xFF for x in d[m:m + 20]) + d[m + 20:]\n"
                          "zipfile.ZipFile(io.BytesIO(d)).extractall(tmp / 'out')"},
    "tarfile.TarFile.add": {"OSError": "tarfile.open(tmp / 'o.tar', 'w').add(missing)",
                            "ValueError": "tarfile.open(tmp / 'o.tar', 'w').add(missing + chr(0))",
                            "RecursionError": _DEEP_FOLDER.format("tarfile.open(tmp / 'o.tar', "
                                                                  "'w').add(tmp / 'deep')")},
    "tarfile.TarFile.extractall": {
        "tarfile.TarError": "tarfile.open(outside_tar).extractall(tmp / 'out', filter='data')",
        "OSError": "tarfile.open(good_tar).extractall(wfile, filter='data')",
        "EOFError": "import random\nb = io.BytesIO()\nt = tarfile.open(fileobj=b, mode='w')\n"
                    "i = tarfile.TarInfo('a'); n = random.Random(22).randbytes(20000); i.size = "
                    "len(n)\n"
                    "t.addfile(i, io.BytesIO(n)); t.close()\nd = gzip.compress(b.getvalue())\n"
                    "p = tmp / 'cut.tar.gz'; p.write_bytes(d[: len(d) * 3 // 4])\n"
                    "tarfile.open(p).extractall(tmp / 'out', filter='data')",
        "zlib.error": "i = tarfile.TarInfo('a'); i.size = 65536; s = i.tobuf() + b'x' * 32768\n"
                      "d = b'\\0' + len(s).to_bytes(2, 'little') + (len(s) ^ 0xFFFF).to_bytes(2, "
                      "'little') + s + b'\\x07'\n"
                      "p = tmp / 'bad.tar.gz'; p.write_bytes(b'\\x1f\\x8b\\x08' + bytes(6) + "
                      "b'\\xff' + d)\n"
                      "tarfile.open(p).extractall(tmp / 'out', filter='data')",
        "lzma.LZMAError": "import lzma, random\nb = io.BytesIO()\nt = tarfile.open(fileobj=b, "
                          "mode='w')\n"
                          "i = tarfile.TarInfo('a'); n = random.Random(22).randbytes(20000); "
                          "i.size = len(n)\n"
                          "t.addfile(i, io.BytesIO(n)); t.close()\nd = "
                          "lzma.compress(b.getvalue()); m = len(d) // 2\n"
                          "p = tmp / 'bad.tar.xz'; p.write_bytes(d[:m] + bytes(x ^ 0xFF for x in "
                          "d[m:m + 20]) + d[m + 20:])\n"
                          "tarfile.open(p).extractall(tmp / 'out', filter='data')",
        "OverflowError": "b = io.BytesIO()\nt = tarfile.open(fileobj=b, mode='w', "
                         "format=tarfile.PAX_FORMAT)\n"
                         "i = tarfile.TarInfo('a'); i.mtime = 10**30; t.addfile(i, io.BytesIO()); "
                         "t.close()\n"
                         "b.seek(0); tarfile.open(fileobj=b).extractall(tmp / 'out', "
                         "filter='data')"},
    "zipfile.is_zipfile": {"ValueError": "zipfile.is_zipfile(missing + chr(0))"},
    "tarfile.open": {"tarfile.TarError": "tarfile.open(wfile, 'r:gz')",
                     "OSError": "tarfile.open(missing)",
                     "ValueError": "tarfile.open(missing + chr(0))",
                     "EOFError": "p = tmp / 't.gz'; "
                                 "p.write_bytes(gzip.compress(os.urandom(10000))[:400]); "
                                 "tarfile.open(p)"},
    "tarfile.is_tarfile": {"OSError": "tarfile.is_tarfile(missing)",
                           "ValueError": "tarfile.is_tarfile(missing + chr(0))",
                           "EOFError": "p = tmp / 't.gz'; "
                                       "p.write_bytes(gzip.compress(os.urandom(10000))[:400]); "
                                       "tarfile.is_tarfile(p)"},
    "datetime.date": {"ValueError": "datetime.date(2020, 13, 1)",
                      "OverflowError": "datetime.date(10**100, 1, 1)"},
    "datetime.datetime": {"ValueError": "datetime.datetime(2020, 13, 1)",
                          "OverflowError": "datetime.datetime(10**100, 1, 1)"},
    "builtins.chr": {"ValueError": "chr(-1)", "TypeError": "chr('a')",
                     "OverflowError": "chr(10**100)"},
    "builtins.setattr": {"AttributeError": "setattr(object(), 'x', 1)",
                         "TypeError": "setattr(int, 'x', 1)"},
    "builtins.delattr": {"AttributeError": "delattr(object(), 'x')",
                         "TypeError": "delattr(int, 'x')"},
    "arithmetic": {"OverflowError": "n = 10**400; n / 3"},
    "smtplib.SMTP": {"OSError": "import smtplib; smtplib.SMTP('127.0.0.1', free_port, timeout=5)",
                     "UnicodeError": "import smtplib; smtplib.SMTP('a' * 64 + '.example', "
                                     "25, timeout=5)"},
    "smtplib.SMTP_SSL": {
        "OSError": "import smtplib; smtplib.SMTP_SSL('127.0.0.1', free_port, timeout=5)",
        "UnicodeError": "import smtplib; smtplib.SMTP_SSL('a' * 64 + '.example', "
                        "25, timeout=5)"},
    "pathlib.Path.exists": {"OSError": "Path(tmp / ('a' * 300)).exists()"},
    "enum.Enum": {"ValueError": "enum.Enum('C', 'A')(99)"},
    **{f"subprocess.{name}": {
        "OSError": f"subprocess.{name}([missing])",
        "ValueError": f"subprocess.{name}([{PY}, '-c', 'pass', 'a' + chr(0)])",
        **(
            {
                "subprocess.SubprocessError": f"subprocess.{name}([{PY}, '-c', 'import time; "
                                              "time.sleep(5)'], timeout=0.1)"}
            if name in ("check_call", "check_output") else {}),
        **(
            {
                "subprocess.SubprocessError": f"subprocess.run([{PY}, '-c', "
                                              "'raise SystemExit(1)'], check=True)"}
            if name == "run" else {}),
        **(
            {
                "subprocess.TimeoutExpired": f"subprocess.call([{PY}, '-c', 'import time; "
                                             "time.sleep(5)'], timeout=0.1)"}
            if name == "call" else {})}
       for name in ("run", "check_call", "check_output", "call")},
    "socket.create_connection": {"OSError": "socket.create_connection(('127.0.0.1', free_port))",
                                 "UnicodeError": "socket.create_connection(('a' * 64 + "
                                                 "'.example', 80))"},
    "ssl.SSLContext.load_cert_chain": {
        "OSError": "ssl.create_default_context().load_cert_chain(missing)",
        "ValueError": "ssl.create_default_context().load_cert_chain(missing + chr(0))"},
    "http.client.HTTPConnection.request": {
        "OSError": "http.client.HTTPConnection('127.0.0.1', free_port).request('GET', '/')",
        "http.client.HTTPException": "http.client.HTTPConnection('127.0.0.1', "
                                     "free_port).request('GET', '/' + chr(10))",
        "ValueError": "http.client.HTTPConnection('127.0.0.1', "
                      "free_port).request('GET' + chr(10), '/')"},
    "sqlite3.connect": {"sqlite3.Error": "sqlite3.connect(missing + '/x.db')",
                        "ValueError": "sqlite3.connect(missing + chr(0))"},
    "sqlite3.Connection.__enter__": {
        "sqlite3.Error": "c = sqlite3.connect(':memory:'); c.close(); c.__enter__()"},
    "asyncio.open_connection": {
        "OSError": "asyncio.run(asyncio.open_connection('127.0.0.1', free_port))",
        "UnicodeError": "asyncio.run(asyncio.open_connection('a' * 64 + '.example', 80))",
        "ValueError": "asyncio.run(asyncio.open_connection('a' + chr(0), 80))"},
    "getpass.getpass": {
        "EOFError": "import getpass\nkept = sys.stdin\nsys.stdin = io.StringIO('')\ntry:\n"
                    "    getpass.getpass('?', stream=io.StringIO())\nfinally:\n"
                    "    sys.stdin = kept",
        "OSError": "import getpass\nkept = sys.stdin\nsys.stdin = open(wfile, 'w')\ntry:\n"
                   "    getpass.getpass('?', stream=io.StringIO())\nfinally:\n"
                   "    sys.stdin = kept"},
})


# A path holding a NUL byte (tests/test_kb_hostile.py): ValueError before any system call.
_NUL = "Path(missing + chr(0))"
for _method, _call in {"read_bytes": "read_bytes()", "write_bytes": "write_bytes(b'x')",
                       "unlink": "unlink()", "mkdir": "mkdir()", "rmdir": "rmdir()",
                       "stat": "stat()", "rename": "rename('x')", "resolve": "resolve()"}.items():
    TRIGGERS.setdefault(f"pathlib.Path.{_method}", {})["ValueError"] = f"{_NUL}.{_call}"


# pathlib beyond reading and writing (rules/exceptions/stdlib_pathlib.toml).
_GONE_CWD = ("d = tempfile.mkdtemp(); old = os.getcwd(); os.chdir(d); os.rmdir(d)\n"
             "try:\n    {}\nfinally:\n    os.chdir(old)")
TRIGGERS.update({
    # statistics, contextlib, asyncio.get_running_loop
    "statistics.median": {"ValueError": "import statistics\nstatistics.median([])",
                          "TypeError": "import statistics\nstatistics.median([1, 'a', 2])"},
    "statistics.mean": {"ValueError": "import statistics\nstatistics.mean([])",
                        "TypeError": "import statistics\nstatistics.mean(['a'])",
                        "OverflowError": "import statistics\nstatistics.mean([1e308, 10**400])"},
    "contextlib.suppress.__exit__": {
        "TypeError": "import contextlib\nwith contextlib.suppress('KeyError'):\n    {}['k']"},
    "asyncio.get_running_loop": {"RuntimeError": "asyncio.get_running_loop()"},
})
TRIGGERS.update({
    "pathlib.Path.absolute": {"OSError": _GONE_CWD.format("Path('x').absolute()")},
    "pathlib.Path.cwd": {"OSError": _GONE_CWD.format("Path.cwd()")},
    "pathlib.Path.rglob": {"ValueError": "list(Path('.').rglob('a**'))"
                           if sys.version_info < (3, 13)
                           else "d = Path(tempfile.mkdtemp()); (d / 'a').mkdir(); list(d.rglob('a' "
                                "+ chr(0)))",
                           "NotImplementedError": "list(Path('.').rglob('/x'))",
                           "OSError": "list(Path(tmp, 'a' * 300).rglob('*'))"},
    "pathlib.Path.iterdir": {"OSError": "list(Path(missing).iterdir())"},
    "pathlib.Path.glob": {"ValueError": "list(Path('.').glob(''))",
                          "NotImplementedError": "list(Path('.').glob('/x'))",
                          "OSError": "list(Path(tmp, 'a' * 300).glob('*'))"},
    "pathlib.Path.expanduser": {"RuntimeError": "Path('~no-such-user-here').expanduser()"},
    "pathlib.Path.with_suffix": {"ValueError": "Path('a').with_suffix('x')"},
    "pathlib.Path.with_name": {"ValueError": "Path('/').with_name('x')"},
    "pathlib.Path.as_uri": {"ValueError": "Path('a').as_uri()"},
    "pathlib.Path.match": {"ValueError": "Path('a').match('')"},
    "pathlib.Path.touch": {"OSError": "Path(missing, 'sub').touch()"},
    "pathlib.Path.is_symlink": {"OSError": "Path('a' * 5000).is_symlink()"},
    "pathlib.Path.lstat": {"OSError": "Path(missing).lstat()"},
    "pathlib.Path.readlink": {"OSError": "Path(missing).readlink()"},
    "pathlib.Path.chmod": {"OSError": "Path(missing).chmod(0o600)"},
    "pathlib.Path.replace": {"OSError": "Path(missing).replace(missing + '2')"},
    "pathlib.Path.samefile": {"OSError": "Path(missing).samefile('/')"},
})
for _method, _call in {"iterdir": "iterdir().__next__()", "touch": "touch()", "lstat": "lstat()",
                       "readlink": "readlink()", "chmod": "chmod(0o600)", "replace": "replace('x')",
                       "samefile": "samefile('/')"}.items():
    TRIGGERS[f"pathlib.Path.{_method}"]["ValueError"] = f"{_NUL}.{_call}"


PRELUDE = (
    "import abc, asyncio, base64, calendar, copy, enum, typing, binascii, concurrent.futures, "
    "configparser, csv, datetime, decimal, gzip, hashlib, hmac, sys, http.client, importlib, "
    "importlib.metadata, io, ipaddress, json, os, "
    "pickle, queue, re, shutil, socket, sqlite3, ssl, struct, subprocess, tarfile, threading, "
    "tempfile, urllib.parse, urllib.request, uuid, zipfile, zlib\n"
    "import xml.etree.ElementTree as ET\nfrom pathlib import Path\n"
    + ("import tomllib\n" if sys.version_info >= (3, 11) else "")
)


def _stdlib_entries(every_class: bool = False) -> list[tuple[str, str]]:
    """(entry, class) of ``raises``; with ``every_class`` also of ``wrong_types`` and
    ``arguments`` (those are held to hostile input by tests/test_kb_hostile.py)."""
    pairs = []
    for spec in [*KB.callables.values(), *KB.operations.values()]:
        top = spec.name.split(".")[0]
        is_operation = spec.name in KB.operations
        if is_operation or top == "builtins" or top in STDLIB_MODULES:
            listed = list(spec.raises)
            if every_class:
                listed += [*spec.wrong_types, *(c for v in spec.arguments.values() for c in v)]
            pairs.extend((spec.name, raised) for raised in dict.fromkeys(listed))
    return pairs


def test_every_stdlib_entry_has_triggers() -> None:
    missing = [
        pair for pair in _stdlib_entries()
        if pair not in DOCUMENTED_ONLY and pair[1] not in TRIGGERS.get(pair[0], {})
    ]
    assert missing == []
    listed = set(_stdlib_entries(every_class=True))
    stale = [(e, x) for e, found in TRIGGERS.items() for x in found if (e, x) not in listed]
    assert stale == []


def test_every_entry_cites_a_source_and_names_known_exceptions() -> None:
    for spec in [*KB.callables.values(), *KB.operations.values()]:
        assert spec.source.startswith("https://"), spec.name
        for raised in spec.raises:
            top = raised.split(".")[0]
            if "." not in raised or top in sys.stdlib_module_names:
                assert runtime_class(raised) is not None, (spec.name, raised)


@pytest.fixture(scope="module")
def closing_port() -> Iterator[int]:
    """A local server that accepts connections and closes them without answering."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.recv(65536)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port


def _namespace(tmp_path: Path, closing_port: int) -> dict[str, object]:
    import io
    import sqlite3
    import tarfile
    import zipfile

    wfile = tmp_path / "plain.txt"
    wfile.write_text("plain text, not an archive\n")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"\xe9\xff")
    good_zip = tmp_path / "good.zip"
    with zipfile.ZipFile(good_zip, "w") as archive:
        archive.writestr("a.txt", "hello hello hello")
    bad_crc = tmp_path / "bad.zip"
    data = good_zip.read_bytes()
    bad_crc.write_bytes(data.replace(b"hello hello hello", b"jello hello hello", 1))
    corrupt = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(corrupt, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "x" * 1000)
    packed = corrupt.read_bytes()
    at = packed.index(b"a.txt") + 5  # the deflate stream: garbled, the CRC check never comes
    corrupt.write_bytes(packed[:at] + bytes(b ^ 0xFF for b in packed[at:at + 4]) + packed[at + 4:])
    good_tar = tmp_path / "good.tar"
    with tarfile.open(good_tar, "w") as archive:
        archive.add(wfile, arcname="plain.txt")
    outside_tar = tmp_path / "absolute.tar"
    with tarfile.open(outside_tar, "w") as archive:
        archive.add(wfile, arcname="../outside.txt")
    closed_file = open(wfile)  # noqa: SIM115 - closed on purpose
    closed_file.close()
    holder: dict[str, object] = {}
    thread = threading.Thread(target=lambda: holder.update(c=sqlite3.connect(":memory:")))
    thread.start()
    thread.join()
    return {
        "tmp": tmp_path, "missing": str(tmp_path / "missing"), "wfile": str(wfile),
        "latin_file": str(latin), "good_zip": good_zip, "bad_crc_zip": bad_crc,
        "good_tar": good_tar, "outside_tar": outside_tar, "corrupt_zip": corrupt,
        "ro": open(wfile), "wo": open(tmp_path / "wo.txt", "w"),
        "closed_file": closed_file, "bad_fd": 987654, "free_port": _free_port(),
        "closing_port": closing_port, "other_thread_connection": holder["c"], "io": io,
    }


# (entry, class) -> the Pythons on which the trigger raises it, [first, last): the knowledge
# base lists the class for every Python the project may run on.
RAISES_ON: dict[tuple[str, str], tuple[tuple[int, int], tuple[int, int]]] = {
    ("builtins.chr", "OverflowError"): ((3, 0), (3, 13)),  # 3.13: ValueError for any int
    # 3.13: OSError (strict) or nothing
    ("pathlib.Path.resolve", "RuntimeError"): ((3, 0), (3, 13)),
    # 3.10 enters a closed connection; the first statement then raises
    ("sqlite3.Connection.__enter__", "sqlite3.Error"): ((3, 11), (4, 0)),
    # 3.13's glob skips the folders it cannot read or name (a name too long among them)
    ("pathlib.Path.glob", "OSError"): ((3, 0), (3, 13)),
    ("pathlib.Path.rglob", "OSError"): ((3, 0), (3, 13)),
    # 3.13 refuses the trigger's overlapping entries first (BadZipFile, "possible zip bomb")
    ("zipfile.ZipFile.extractall", "EOFError"): ((3, 0), (3, 13)),
}


@pytest.mark.parametrize(
    ("entry", "raised"),
    [pytest.param(e, x, id=f"{e}: {x}") for e, found in TRIGGERS.items() for x in found],
)
def test_trigger_raises_what_the_entry_lists(
    tmp_path: Path, closing_port: int, entry: str, raised: str
) -> None:
    module = entry.split(".")[0]
    if module in STDLIB_MODULES and module not in sys.stdlib_module_names:
        pytest.skip(f"{module} is not in the standard library of Python "
                    f"{sys.version_info[0]}.{sys.version_info[1]}: checked on the others")
    first, last = RAISES_ON.get((entry, raised), ((3, 0), (4, 0)))
    if not first <= sys.version_info[:2] < last:
        pytest.skip(f"{entry} raises {raised} on other Pythons than this one; listed for all "
                    "the ones the project may target")
    expected = runtime_class(raised)
    assert expected is not None
    namespace = _namespace(tmp_path, closing_port)
    with pytest.raises(expected):
        exec(PRELUDE + TRIGGERS[entry][raised], namespace)  # noqa: S102 - our own snippets


def test_malformed_entries_are_reported_with_file_and_entry() -> None:
    with pytest.raises(KnowledgeBaseError,
                       match=r"x.toml: callable\[0\] \(f\): 'source' is required"):
        parse_knowledge('[[callable]]\nname = "f"\nraises = []\nclosed = true\n', "x.toml")
    with pytest.raises(KnowledgeBaseError, match=r"unknown key\(s\) rasies"):
        parse_knowledge('[[callable]]\nname = "f"\nrasies = []\n', "x.toml")
    with pytest.raises(KnowledgeBaseError,
                       match=r"x.toml: class\[0\] \(c.C\): 'own_code' must be a list of "
                             r"qualified class names"):
        parse_knowledge('[[class]]\nname = "c.C"\nraises = []\nclosed = false\n'
                        'caller_code = ["transport"]\nown_code = ["c.T()"]\nsource = "s"\n',
                        "x.toml")


# Standard-library [[class]] entries: one real trigger per listed exception.
CLASS_TRIGGERS: dict[str, dict[str, str]] = {
    **{name: {"OSError": f"import smtplib; smtplib.{name.split('.')[1]}().login('a', 'b')"}
       for name in ("smtplib.SMTP", "smtplib.SMTP_SSL")},
    "email.message.Message": {
        "email.errors.MessageError": "import email.mime.text as t; "
                                     "t.MIMEText('x').attach(t.MIMEText('y'))",
        "TypeError": "import email.message; email.message.Message().get_payload(99)",
        "ValueError": "import email.message; m = email.message.Message(); "
                      "m['Subject'] = chr(0xD800); m.as_string()",
        "LookupError": "import email.message; email.message.Message().set_payload('x', 'nope')"},
    "configparser.ConfigParser": {
        "configparser.Error": "configparser.ConfigParser().set('none', 'a', 'b')",
        "LookupError": "configparser.ConfigParser()['none']",
        "TypeError": "configparser.ConfigParser().has_section([])",
        "ValueError": "configparser.ConfigParser().read('/nonexistent' + chr(0))",
        "AttributeError": "c = configparser.ConfigParser(); c.read_string('[a]'); "
                          "c.has_option('a', None)"},
    "_hashlib.HASH": {"TypeError": "hashlib.md5().update('text')"},
    "re.Match": {"IndexError": "re.match('a', 'a').group(2)",
                 "TypeError": "re.match('a', 'a').expand(1)",
                 "re.error": "re.match('a', 'a').expand('\\\\9')"},
    "re.Pattern": {"TypeError": "re.compile('a').match(None)",
                   "OverflowError": "re.compile('a').match('a', 2**100)",
                   "IndexError": "re.compile('a').sub('\\\\g<nope>', 'a')",
                   "re.error": "re.compile('a').sub('\\\\9', 'a')"},
    "datetime.datetime": {
        "ValueError": "datetime.datetime(2020, 1, 1).replace(month=13)",
        "OverflowError": "datetime.datetime(1, 1, 1, "
                         "tzinfo=datetime.timezone.utc) - datetime.timedelta(days=1)",
        "TypeError": "datetime.datetime(2020, 1, 1) < datetime.datetime(2020, 1, 1, "
                     "tzinfo=datetime.timezone.utc)"},
    "datetime.date": {"ValueError": "datetime.date(2020, 1, 1).replace(day=40)",
                      "OverflowError": "datetime.date(1, 1, 1) - datetime.timedelta(days=1)",
                      "TypeError": "datetime.date(2020, 1, 1).replace(day='x')"},
    "datetime.timedelta": {"ArithmeticError": "datetime.timedelta(days=10**9) * 10**9",
                           "TypeError": "datetime.timedelta(1) * 'x'",
                           "ValueError": "datetime.timedelta(1) * float('nan')"},
    "decimal.Decimal": {
        "ArithmeticError": "decimal.Decimal('1e999999').quantize(decimal.Decimal('0.01'))",
        "TypeError": "decimal.Decimal(1).quantize('x')",
        "ValueError": "format(decimal.Decimal(1), 'zz')"},
}


def test_every_stdlib_class_entry_has_triggers() -> None:
    stdlib = {
        (name, raised) for name, entry in KB.classes.items()
        if name.split(".")[0] in sys.stdlib_module_names for raised in entry.raises
    }
    triggered = {(name, raised) for name, found in CLASS_TRIGGERS.items() for raised in found}
    assert stdlib - set(DOCUMENTED_ONLY) == triggered


@pytest.mark.parametrize(
    ("entry", "raised"),
    [pytest.param(e, x, id=f"{e}: {x}") for e, found in CLASS_TRIGGERS.items() for x in found],
)
def test_class_trigger_raises_what_the_entry_lists(entry: str, raised: str) -> None:
    expected = runtime_class(raised)
    assert expected is not None
    with pytest.raises(expected):
        exec(PRELUDE + CLASS_TRIGGERS[entry][raised], {})  # noqa: S102 - our own snippets


@pytest.mark.parametrize("pattern", ["(?u)(?a)x", "(?L)x", "x{4294967296}", "(" * 3000 + ")" * 3000,
                                     "x(?i"])
def test_re_contracts_cover_what_a_pattern_from_outside_raises(pattern: str) -> None:
    """lnbits' `_re_fullmatch_safe(pattern, string)` takes its pattern from settings: each
    re function's `pattern` list must cover what compiling such a pattern raises (inline
    flags that contradict each other raise ValueError, not re.error)."""
    import builtins
    import re

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    data = tomllib.loads((Path(__file__).parents[1] / "rules" / "exceptions" /
                          "stdlib_data.toml").read_text(encoding="utf-8"))
    entries = [e for e in data["callable"] if e["name"].startswith("re.")
               and "pattern" in e.get("arguments", {})]
    assert {e["name"] for e in entries} >= {"re.compile", "re.fullmatch", "re.sub"}
    try:
        re.compile(pattern)
    except BaseException as exc:  # noqa: BLE001 - what it raises is the point
        raised = exc
    else:
        pytest.fail(f"{pattern[:20]!r} compiled")
    for entry in entries:
        listed = tuple(re.error if name == "re.error" else getattr(builtins, name)
                       for name in entry["arguments"]["pattern"])
        assert isinstance(raised, listed), (entry["name"], type(raised))
