"""_lm_build: the build backend (PEP 517, PEP 660) of lib/pyproject.toml.

It makes the wheel of livemetrics (one module, livemetrics.py) with the
standard library alone, so that `pip install ./lib` works offline, in a
fresh venv, with nothing to fetch (the build requires nothing), and
writes only into the directories pip gives it: no build/ or egg-info in
the source tree. The name, version and summary are read from the
[project] table of pyproject.toml (simple `key = "value"` lines).
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

_HERE = os.path.dirname(os.path.abspath(__file__))
_MODULE = 'livemetrics.py'
_TAG = 'py3-none-any'


def _project():
    """name, version, description, requires-python of [project]."""
    want = ('name', 'version', 'description', 'requires-python')
    got = {}
    section = None
    with open(os.path.join(_HERE, 'pyproject.toml'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            m = re.match(r'^\[([^\]]+)\]$', line)
            if m:
                section = m.group(1)
                continue
            m = re.match(r'^([A-Za-z-]+)\s*=\s*"([^"]*)"$', line)
            if section == 'project' and m and m.group(1) in want:
                got[m.group(1)] = m.group(2)
    for k in ('name', 'version'):
        if k not in got:
            raise RuntimeError('pyproject.toml: [project] has no %s' % k)
    return got


def _dist(p):
    return '%s-%s' % (p['name'].replace('-', '_'), p['version'])


def _metadata(p):
    lines = ['Metadata-Version: 2.1', 'Name: ' + p['name'], 'Version: ' + p['version']]
    if 'description' in p:
        lines.append('Summary: ' + p['description'])
    if 'requires-python' in p:
        lines.append('Requires-Python: ' + p['requires-python'])
    lines += ['License: ISC', 'Classifier: Programming Language :: Python :: 3',
              'Classifier: Operating System :: POSIX :: Linux']
    return ('\n'.join(lines) + '\n').encode('utf-8')


def _wheel_file():
    return ('Wheel-Version: 1.0\nGenerator: _lm_build\nRoot-Is-Purelib: true\n'
            'Tag: %s\n' % _TAG).encode('utf-8')


def _stamp():
    """The files' time: SOURCE_DATE_EPOCH when set (reproducible), else
    the module's own mtime; never before 1980 (zip's epoch)."""
    try:
        t = int(os.environ['SOURCE_DATE_EPOCH'])
    except (KeyError, ValueError):
        t = int(os.stat(os.path.join(_HERE, _MODULE)).st_mtime)
    return max(t, 315532800)


def _write_wheel(wheel_directory, files):
    """files: [(archive name, bytes)]; RECORD added last."""
    p = _project()
    info = _dist(p) + '.dist-info'
    files = list(files) + [(info + '/METADATA', _metadata(p)), (info + '/WHEEL', _wheel_file())]
    record = []
    for name, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=')
        record.append('%s,sha256=%s,%d' % (name, digest.decode('ascii'), len(data)))
    record.append(info + '/RECORD,,')
    files.append((info + '/RECORD', ('\n'.join(record) + '\n').encode('utf-8')))
    name = '%s-%s.whl' % (_dist(p), _TAG)
    tmp = os.path.join(wheel_directory, name + '.part')
    when = time.gmtime(_stamp())[:6]
    with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as z:
        for arc, data in files:
            zi = zipfile.ZipInfo(arc, when)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    os.replace(tmp, os.path.join(wheel_directory, name))
    return name


def _read(name):
    with open(os.path.join(_HERE, name), 'rb') as f:
        return f.read()


def _prepare(metadata_directory):
    p = _project()
    info = _dist(p) + '.dist-info'
    d = os.path.join(metadata_directory, info)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'METADATA'), 'wb') as f:
        f.write(_metadata(p))
    with open(os.path.join(d, 'WHEEL'), 'wb') as f:
        f.write(_wheel_file())
    return info


# ---- PEP 517

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _prepare(metadata_directory)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, [(_MODULE, _read(_MODULE))])


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = _dist(p)
    name = base + '.tar.gz'
    tmp = os.path.join(sdist_directory, name + '.part')
    when = _stamp()
    members = [('PKG-INFO', _metadata(p))] + \
        [(n, _read(n)) for n in ('pyproject.toml', '_lm_build.py', _MODULE)]
    with tarfile.open(tmp, 'w:gz', format=tarfile.PAX_FORMAT) as t:
        for n, data in members:
            ti = tarfile.TarInfo('%s/%s' % (base, n))
            ti.size = len(data)
            ti.mtime = when
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    os.replace(tmp, os.path.join(sdist_directory, name))
    return name


# ---- PEP 660: pip install -e ./lib (a .pth naming this directory)

def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    return _prepare(metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, [('livemetrics.pth', (_HERE + '\n').encode('utf-8'))])
