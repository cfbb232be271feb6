#!/usr/bin/env python3
"""Independent code-signature facts for Mach-O files (thin and universal).

Written from shared/reference/code-signature-format.md (cited as "ref §N"), not from
SigWatch's C# engine, so the C# tests can compare the engine against it.
Standard library only; CMS signature checks and certificate names use the `openssl` CLI.

  macho_facts.py FILE_OR_DIR...                      facts for each Mach-O file, as JSON
  macho_facts.py --nuget ROOT ID/VERSION...          NuGet corpus JSON (NuGetCorpus.json shape)
"""
import hashlib, json, os, re, struct, subprocess, sys, tempfile

# ref §1.1 magics (as read big-endian from the first 4 bytes)
FAT_MAGIC, FAT_MAGIC_64 = 0xCAFEBABE, 0xCAFEBABF
MH_LE = {0xCEFAEDFE: (False, "<"), 0xCFFAEDFE: (True, "<")}   # on-disk bytes CE/CF FA ED FE
MH_BE = {0xFEEDFACE: (False, ">"), 0xFEEDFACF: (True, ">")}
MAX_ARCH_COUNT = 100                                           # ref §1.1 (SEC limit)
# ref §1.2 load commands
LC_CODE_SIGNATURE, LC_BUILD_VERSION = 0x1D, 0x32
LC_VERSION_MIN = {0x24: "macOS", 0x25: "iOS", 0x2F: "tvOS", 0x30: "watchOS"}
PLATFORMS = {1: "macOS", 2: "iOS", 3: "tvOS", 4: "watchOS", 5: "bridgeOS", 6: "macCatalyst",
             7: "iOSSimulator", 8: "tvOSSimulator", 9: "watchOSSimulator", 10: "DriverKit"}
FILETYPES = {1: "object", 2: "execute", 6: "dylib", 7: "dylinker", 8: "bundle", 0xB: "kext", 0xC: "fileset"}
# ref §2.1 blob magics, §2.2 slot types
CSMAGIC_EMBEDDED_SIGNATURE, CSMAGIC_CODEDIRECTORY, CSMAGIC_BLOBWRAPPER = 0xFADE0CC0, 0xFADE0C02, 0xFADE0B01
SLOT_CODEDIRECTORY, SLOT_SIGNATURE = 0, 0x10000
SLOTS_ALTERNATE_CD = range(0x1000, 0x1005)
# ref §3.2 CodeDirectory versions, §3.3 flags, §3.4 hash types
CD_SUPPORTS_TEAMID, CD_SUPPORTS_CODELIMIT64 = 0x20200, 0x20300
CS_ADHOC, CS_LINKER_SIGNED = 0x2, 0x20000
HASH_ALGOS = {1: "sha1", 2: "sha256", 3: "sha256", 4: "sha384"}   # type 3 = SHA-256 cut to hashSize (20)
BEST_CD_RANK = {1: 0, 3: 1, 2: 2, 4: 3}                         # ref §3.8: SHA-384 > SHA-256 > trunc > SHA-1
CDHASH_LEN = 20                                                # ref §3.7
# ref §6.1 CMS attribute OIDs
OID_TIMESTAMP_TOKEN = "1.2.840.113549.1.9.16.2.14"
OID_HASH_AGILITY_V2 = "1.2.840.113635.100.9.2"
DIGEST_OIDS = {"1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384"}
# ref §1.3 CPU types
CPU_TYPE_X86_64, CPU_TYPE_ARM, CPU_TYPE_ARM64, CPU_SUBTYPE_MASK = 0x01000007, 12, 0x0100000C, 0xFF000000
CPU_NAMES = {7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 0x0200000C: "arm64_32",
             18: "ppc", 0x01000012: "ppc64"}
ARM_SUBTYPES = {5: "armv4t", 6: "armv6", 7: "armv5", 9: "armv7", 11: "armv7s", 12: "armv7k", 14: "armv6m",
                15: "armv7m", 16: "armv7em"}


def cpu_name(cputype, subtype):
    """ref §1.3: arm64e is arm64 subtype 2 (often with the 0x80000000 PTRAUTH ABI bit)."""
    sub = subtype & ~CPU_SUBTYPE_MASK & 0xFFFFFFFF
    if cputype == CPU_TYPE_ARM64 and sub == 2:
        return "arm64e"
    if cputype == CPU_TYPE_X86_64 and sub == 8:
        return "x86_64h"
    if cputype == CPU_TYPE_ARM and sub in ARM_SUBTYPES:
        return ARM_SUBTYPES[sub]
    return CPU_NAMES.get(cputype, "cpu-0x%x" % cputype)


# ---------------------------------------------------------------- Mach-O container (ref §1)

def be32(buf, off):
    return struct.unpack_from(">I", buf, off)[0]


def slices_of(data):
    """Return (universal, [(offset, size, cputype, subtype)]) or None if not Mach-O. Fat header is BE (ref §0)."""
    if len(data) < 8:
        return None
    magic = be32(data, 0)
    if magic in (FAT_MAGIC, FAT_MAGIC_64):
        nfat, is64 = be32(data, 4), magic == FAT_MAGIC_64
        if not 0 < nfat <= MAX_ARCH_COUNT:            # also rules out Java class files (same magic)
            return None
        out, entry = [], 32 if is64 else 20           # ref §1.2 fat_arch / fat_arch_64
        for i in range(nfat):
            at = 8 + i * entry
            if is64:
                cpu, sub, off, size = struct.unpack_from(">iIQQ", data, at)
            else:
                cpu, sub, off, size = struct.unpack_from(">iIII", data, at)
            if off + size > len(data) or be32(data, off) not in {**MH_LE, **MH_BE}:
                return None
            out.append((off, size, cpu & 0xFFFFFFFF, sub))
        return True, out
    if magic in MH_LE or magic in MH_BE:
        e = "<" if magic in MH_LE else ">"
        cpu, sub = struct.unpack_from(e + "II", data, 4)
        return False, [(0, len(data), cpu, sub)]
    return None


def read_load_commands(data, base):
    """Return filetype, platform, minos and (dataoff, datasize) of LC_CODE_SIGNATURE for the slice at base."""
    magic = be32(data, base)
    is64, e = MH_LE.get(magic) or MH_BE[magic]
    filetype, ncmds = struct.unpack_from(e + "II", data, base + 12)
    at, sig, platform, minos = base + (32 if is64 else 28), None, None, None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from(e + "II", data, at)
        if cmd == LC_CODE_SIGNATURE:
            sig = struct.unpack_from(e + "II", data, at + 8)           # linkedit_data_command
        elif cmd == LC_BUILD_VERSION:
            p, v = struct.unpack_from(e + "II", data, at + 8)
            platform, minos = PLATFORMS.get(p, str(p)), v
        elif cmd in LC_VERSION_MIN and platform is None:
            platform, minos = LC_VERSION_MIN[cmd], struct.unpack_from(e + "I", data, at + 8)[0]
        at += size
    return FILETYPES.get(filetype, str(filetype)), platform, version_text(minos), sig


def version_text(packed):
    """ref §1.2: xxxx.yy.zz nibbles; the patch is shown only when non-zero."""
    if packed is None:
        return None
    text = "%d.%d" % (packed >> 16, (packed >> 8) & 0xFF)
    return text + (".%d" % (packed & 0xFF) if packed & 0xFF else "")


# ---------------------------------------------------------------- signature blobs (ref §0, §2, §3, §4)

def superblob_entries(sig):
    """ref §0 SuperBlob: magic, length, count, {type, offset}[count]; offsets from the SuperBlob start."""
    if len(sig) < 12 or be32(sig, 0) != CSMAGIC_EMBEDDED_SIGNATURE:
        raise ValueError("no embedded-signature SuperBlob")
    index = {}
    for i in range(be32(sig, 8)):
        index.setdefault(be32(sig, 12 + 8 * i), be32(sig, 16 + 8 * i))   # look-up takes the first match
    return index


def blob_at(sig, offset):
    return sig[offset:offset + be32(sig, offset + 4)]


def cstring(buf, off):
    return buf[off:buf.index(b"\0", off)].decode("utf-8", "replace")


def parse_code_directory(cd, slot, data, base):
    """ref §3.1 layout; §3.7 cdhash; §4 page hashes (every CD checked against the slice)."""
    (magic, length, version, flags, hash_off, ident_off, _n_special, n_code, code_limit,
     hash_size, hash_type, _platform, page_shift) = struct.unpack_from(">9I4B", cd, 0)
    if magic != CSMAGIC_CODEDIRECTORY:
        raise ValueError("slot 0x%x is not a CodeDirectory" % slot)
    algo = HASH_ALGOS[hash_type]
    team = None
    if version >= CD_SUPPORTS_TEAMID:
        team_off = be32(cd, 0x30)
        team = cstring(cd, team_off) if team_off else None
    limit = code_limit
    if version >= CD_SUPPORTS_CODELIMIT64:
        limit64 = struct.unpack_from(">Q", cd, 0x38)[0]
        limit = limit64 or code_limit
    full = hashlib.new(algo, cd[:length]).digest()
    page = 1 << page_shift if page_shift else 0       # pageSize 0 = one page over the whole range
    matched, remaining = 0, limit
    for i in range(n_code):
        n = remaining if page == 0 else min(page, remaining)
        chunk = data[base + i * page: base + i * page + n]   # last page: only the bytes below the limit
        expected = cd[hash_off + i * hash_size: hash_off + (i + 1) * hash_size]
        matched += hashlib.new(algo, chunk).digest()[:hash_size] == expected
        remaining -= n
    return {"slot": slot, "hashType": hash_type, "version": "0x%x" % version, "flags": "0x%x" % flags,
            "identifier": cstring(cd, ident_off), "team": team,
            "cdhash": full[:CDHASH_LEN].hex(), "cdhashFull": full.hex(),
            "adhoc": bool(flags & CS_ADHOC), "linkerSigned": bool(flags & CS_LINKER_SIGNED),
            "pageSize": page, "codeLimit": limit, "codeSlots": n_code, "pagesMatched": matched,
            "pagesOk": matched == n_code and remaining == 0}


# ---------------------------------------------------------------- minimal BER/DER reader (X.690 §8.1)

def tlv(buf, pos):
    """Return a node (tag, start, content_start, content_end, end); handles the indefinite length Apple uses."""
    start, tag = pos, buf[pos]
    pos += 1
    if tag & 0x1F == 0x1F:                            # X.690 8.1.2.4 high tag number
        while buf[pos] & 0x80:
            pos += 1
        pos += 1
    first = buf[pos]
    pos += 1
    if first == 0x80:                                 # X.690 8.1.3.6 indefinite: children up to 00 00
        at = pos
        while buf[at:at + 2] != b"\0\0":
            at = tlv(buf, at)[4]
        return tag, start, pos, at, at + 2
    length = first
    if first & 0x80:                                  # X.690 8.1.3.5 long form
        n = first & 0x7F
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    if pos + length > len(buf):
        raise ValueError("DER length past end of CMS")
    return tag, start, pos, pos + length, pos + length


def children(buf, node):
    out, at = [], node[2]
    while at < node[3]:
        child = tlv(buf, at)
        out.append(child)
        at = child[4]
    return out


def content(buf, node):
    return buf[node[2]:node[3]]


def encoding(buf, node):
    return buf[node[1]:node[4]]


def oid_text(buf, node):
    parts, value = [], 0
    for b in content(buf, node):                      # X.690 8.19: base-128 sub-identifiers
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(value)
            value = 0
    first = min(parts[0] // 40, 2)
    return ".".join(str(x) for x in [first, parts[0] - 40 * first] + parts[1:])


def der_set_ordered(encodings):
    """X.690 11.6: SET OF elements ascend as octet strings, the shorter padded with trailing zeros."""
    width = max((len(e) for e in encodings), default=0)
    padded = [e.ljust(width, b"\0") for e in encodings]
    return all(a <= b for a, b in zip(padded, padded[1:]))


# ---------------------------------------------------------------- CMS signature (ref §6)

def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True)


def subject_fields(cert_der):
    """CN and first OU of a certificate subject, via openssl (ref §6.3: team ID = leaf subject OU)."""
    out = openssl("x509", "-inform", "DER", "-noout", "-subject", "-nameopt", "multiline,utf8,-esc_msb",
                  stdin=cert_der).stdout.decode("utf-8", "replace")
    fields = {}
    for line in out.splitlines()[1:]:                 # "    commonName                = value"
        key, _, value = line.strip().partition(" = ")
        fields.setdefault(key.strip(), value.strip())
    return fields.get("commonName"), fields.get("organizationalUnitName")


def signer_leaf(cms, certs, sid, names):
    """(CN, OU) of the certificate the SignerInfo sid names; appends every certificate's CN to names."""
    by_serial, exact = None, None
    for cert in certs:
        tbs = children(cms, children(cms, cert)[0])
        tbs = tbs[1:] if tbs[0][0] == 0xA0 else tbs   # skip [0] EXPLICIT version
        serial, issuer = tbs[0], tbs[2]
        cn_ou = subject_fields(encoding(cms, cert))
        names.append(cn_ou[0])
        if sid[0] == 0x30:                            # IssuerAndSerialNumber (RFC 5652 5.3)
            sid_issuer, sid_serial = children(cms, sid)[:2]
            if content(cms, sid_serial) == content(cms, serial):
                by_serial = by_serial or cn_ou
                if encoding(cms, sid_issuer) == encoding(cms, issuer):
                    exact = exact or cn_ou
    return exact or by_serial or (None, None)


def no_cms_facts(cms_length=None):
    return {"cmsLength": cms_length, "cmsVerifies": None, "signerCN": None, "signerOU": None, "certificates": [],
            "timestamp": False, "signedAttributes": [], "hashAgilityV2Values": 0,
            "hashAgilityV2InDerOrder": None, "hashAgilityV2Digests": [], "hashAgilityV2MatchesCds": None}


def parse_cms(cms, slot0_cd):
    """ContentInfo{signedData}: certificates, the signer's attributes, and an openssl check over slot-0 CD bytes."""
    facts = no_cms_facts(len(cms))
    if not cms:
        return facts
    with tempfile.TemporaryDirectory() as tmp:
        sig_path, cd_path = os.path.join(tmp, "sig.der"), os.path.join(tmp, "cd.bin")
        for path, payload in ((sig_path, cms), (cd_path, slot0_cd)):
            with open(path, "wb") as out:
                out.write(payload)
        facts["cmsVerifies"] = openssl("cms", "-verify", "-noverify", "-binary", "-inform", "DER", "-in", sig_path,
                                       "-content", cd_path, "-out", os.devnull).returncode == 0
    signed_data = children(cms, children(cms, children(cms, tlv(cms, 0))[1])[0])   # [0] EXPLICIT SignedData
    certs = [c for f in signed_data if f[0] == 0xA0 for c in children(cms, f)]       # [0] IMPLICIT certificates
    signer = children(cms, [f for f in signed_data if f[0] == 0x31][-1])[0]          # first SignerInfo
    fields = children(cms, signer)
    facts["signerCN"], facts["signerOU"] = signer_leaf(cms, certs, fields[1], facts["certificates"])
    for f in fields:
        if f[0] not in (0xA0, 0xA1):                  # [0] IMPLICIT signedAttrs, [1] IMPLICIT unsignedAttrs
            continue
        for attr in children(cms, f):
            attr_type, values = children(cms, attr)
            oid = oid_text(cms, attr_type)
            if f[0] == 0xA1:
                facts["timestamp"] |= oid == OID_TIMESTAMP_TOKEN
                continue
            facts["signedAttributes"].append(oid)
            if oid == OID_HASH_AGILITY_V2:            # SET OF SEQUENCE{digest OID, OCTET STRING full cdhash}
                items = children(cms, values)
                facts["hashAgilityV2Values"] = len(items)
                facts["hashAgilityV2InDerOrder"] = der_set_ordered([encoding(cms, v) for v in items])
                facts["hashAgilityV2Digests"] = [
                    [DIGEST_OIDS.get(oid_text(cms, alg), "?"), content(cms, value).hex()]
                    for alg, value in (children(cms, v)[:2] for v in items)]
    return facts


# ---------------------------------------------------------------- per slice / per file

def classify(cds, cms):
    """Brief's classes: linker-signed (flag 0x20000), adhoc (flag 0x2, empty CMS), developer-id, apple, other."""
    if any(cd["linkerSigned"] for cd in cds):
        return "linker-signed"
    if not cms.get("cmsLength") and any(cd["adhoc"] for cd in cds):
        return "adhoc"
    cn = cms.get("signerCN") or ""
    if cn.startswith("Developer ID Application:"):
        return "developer-id"
    if "Apple Code Signing Certification Authority" in cms["certificates"] or cn == "Software Signing":
        return "apple"
    return "other"


def slice_facts(data, base, size, fat_cputype, fat_subtype):
    filetype, platform, minos, sig = read_load_commands(data, base)
    e = "<" if be32(data, base) in MH_LE else ">"
    arch = cpu_name(*struct.unpack_from(e + "II", data, base + 4))      # the slice's own header decides
    out = {"arch": arch, "filetype": filetype, "platform": platform, "minos": minos,
           "signed": sig is not None, "trailingAfterSignature": None, "classification": "unsigned", "team": None,
           "identifier": None, "codeDirectories": [], **no_cms_facts()}
    if cpu_name(fat_cputype, fat_subtype) != arch:
        out["fatHeaderArch"] = cpu_name(fat_cputype, fat_subtype)   # fat_arch entry disagrees with the slice
    if sig is None:
        return out
    dataoff, datasize = sig                           # ref §1.4: dataoff counts from the slice start
    out["trailingAfterSignature"] = size - (dataoff + datasize)
    try:
        signature_facts(out, data, base, dataoff, datasize)
    except (ValueError, KeyError, IndexError, struct.error) as exc:
        out.update(classification="broken", error="%s: %s" % (type(exc).__name__, exc))
    return out


def signature_facts(out, data, base, dataoff, datasize):
    blob = data[base + dataoff: base + dataoff + datasize]
    index = superblob_entries(blob)
    cds = [parse_code_directory(blob_at(blob, index[s]), s, data, base)
           for s in [SLOT_CODEDIRECTORY, *SLOTS_ALTERNATE_CD] if index.get(s)]
    cms = no_cms_facts()                              # linker-signed code may have no CMS slot (ref §2.2)
    if index.get(SLOT_SIGNATURE):
        wrapper = blob_at(blob, index[SLOT_SIGNATURE])
        if be32(wrapper, 0) != CSMAGIC_BLOBWRAPPER:
            raise ValueError("slot 0x10000 is not a BlobWrapper")
        cms = parse_cms(wrapper[8:], blob_at(blob, index[SLOT_CODEDIRECTORY]))
    best = max(cds, key=lambda cd: BEST_CD_RANK[cd["hashType"]])
    out.update(cms)
    if cms["hashAgilityV2Values"]:                    # ref §6.2 step 3: one full cdhash per CD, by algorithm
        full = {(HASH_ALGOS[cd["hashType"]], cd["cdhashFull"]) for cd in cds}
        out["hashAgilityV2MatchesCds"] = len(cds) == cms["hashAgilityV2Values"] and \
            all(tuple(v) in full for v in cms["hashAgilityV2Digests"])
    out.update(classification=classify(cds, cms), team=best["team"], identifier=best["identifier"],
               codeDirectories=cds)


def file_facts(path):
    with open(path, "rb") as f:
        data = f.read()
    found = slices_of(data)
    if found is None:
        return None
    universal, slices = found
    end = max(off + size for off, size, _, _ in slices)
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "universal": universal,
            "trailingAfterLastSlice": len(data) - end if universal else 0,
            "slices": [slice_facts(data, *s) for s in slices]}


def macho_paths(root):
    if os.path.isfile(root):
        yield root
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                head = f.read(4)
            if len(head) == 4 and be32(head, 0) in (FAT_MAGIC, FAT_MAGIC_64, *MH_LE, *MH_BE):
                yield path


def main(argv):
    if argv[:1] == ["--nuget"]:
        return nuget_corpus(argv[1], argv[2:])
    results = []
    for arg in argv:
        for path in macho_paths(arg):
            facts = file_facts(path)
            if facts:
                results.append({"path": path, **facts})
    json.dump(results, sys.stdout, indent=1)
    print()


SKIPPED_RIDS = re.compile(r"(^|/)runtimes/(ios|iossimulator|tvos|tvossimulator|maccatalyst)[^/]*/")


def nuget_corpus(root, specs):
    packages, files = [], []
    for spec in specs:
        folder, version = spec.rsplit("/", 1)
        pkg_dir = os.path.join(root, folder, version)
        nuspec = [n for n in os.listdir(pkg_dir) if n.endswith(".nuspec")]
        text = open(os.path.join(pkg_dir, nuspec[0]), encoding="utf-8").read() if nuspec else ""
        pkg_id = (re.search(r"<id>([^<]+)</id>", text) or [None, folder])[1]
        count = 0
        for path in macho_paths(pkg_dir):
            rel = os.path.relpath(path, pkg_dir).replace(os.sep, "/")
            facts = None if SKIPPED_RIDS.search(rel) else file_facts(path)
            if facts and all(s["platform"] in (None, "macOS") for s in facts["slices"]):
                count += 1
                files.append({"package": pkg_id, "version": version, "path": rel, **facts})
        packages.append({"id": pkg_id, "version": version, "machoFiles": count})
    json.dump({"generator": "scripts/corpus/macho_facts.py", "packages": packages, "files": files},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
