#!/usr/bin/env python3
"""Check that a file is an executable for one platform, from its headers alone.

Usage: scripts/binary-format.py FILE OS-ARCH     (OS-ARCH: linux-amd64, linux-arm64,
                                                 darwin-amd64, darwin-arm64, windows-amd64)
Prints what it found; exits 1 on a mismatch. Linux binaries must also be static (no
PT_INTERP program header, so no dynamic loader is needed), arm64 macOS ones code-signed (the
linker signs them ad hoc), and Windows ones may import only DLLs Windows ships.
"""

import struct
import sys

ELF_MACHINE = {"amd64": 62, "arm64": 183}  # EM_X86_64, EM_AARCH64
MACHO_CPU = {"amd64": 0x01000007, "arm64": 0x0100000C}  # CPU_TYPE_X86_64, CPU_TYPE_ARM64
PE_MACHINE = {"amd64": 0x8664}  # IMAGE_FILE_MACHINE_AMD64
PT_INTERP = 3
MH_EXECUTE = 2
LC_MAIN = 0x80000028
LC_CODE_SIGNATURE = 0x1D


def elf(data, arch):
    if data[:4] != b"\x7fELF":
        return "not an ELF file"
    if data[4] != 2 or data[5] != 1:
        return "not a 64-bit little-endian ELF file"
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_type not in (2, 3):  # ET_EXEC, ET_DYN (static-pie)
        return f"ELF type {e_type} is not an executable"
    if e_machine != ELF_MACHINE[arch]:
        return f"ELF machine {e_machine}, expected {ELF_MACHINE[arch]} for {arch}"
    e_phoff = struct.unpack_from("<Q", data, 32)[0]
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    for i in range(e_phnum):
        (p_type,) = struct.unpack_from("<I", data, e_phoff + i * e_phentsize)
        if p_type == PT_INTERP:
            return "dynamically linked (has a PT_INTERP header): expected a static binary"
    return None


def macho(data, arch):
    magic, cputype, _, filetype, ncmds = struct.unpack_from("<IiIII", data, 0)
    if magic != 0xFEEDFACF:
        return f"not a 64-bit Mach-O file (magic {magic:#x})"
    if cputype & 0xFFFFFFFF != MACHO_CPU[arch]:
        return f"Mach-O cpu type {cputype:#x}, expected {MACHO_CPU[arch]:#x} for {arch}"
    if filetype != MH_EXECUTE:
        return f"Mach-O file type {filetype} is not an executable"
    commands, offset = set(), 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, offset)
        commands.add(cmd)
        offset += size
    if LC_MAIN not in commands:
        return "Mach-O file has no entry point (LC_MAIN)"
    # macOS on Apple silicon kills unsigned code; the linker must have signed it (ad hoc).
    if arch == "arm64" and LC_CODE_SIGNATURE not in commands:
        return "arm64 Mach-O file is not code-signed (no LC_CODE_SIGNATURE): macOS would kill it"
    return None


def pe(data, arch):
    if data[:2] != b"MZ":
        return "not a PE file (no MZ header)"
    (offset,) = struct.unpack_from("<I", data, 0x3C)
    if data[offset : offset + 4] != b"PE\0\0":
        return "no PE signature"
    machine, _, _, _, _, _, characteristics = struct.unpack_from("<HHIIIHH", data, offset + 4)
    if machine != PE_MACHINE[arch]:
        return f"PE machine {machine:#x}, expected {PE_MACHINE[arch]:#x} for {arch}"
    if not characteristics & 0x0002:  # IMAGE_FILE_EXECUTABLE_IMAGE
        return "PE file is not an executable image"
    if characteristics & 0x2000:  # IMAGE_FILE_DLL
        return "PE file is a DLL"
    (magic,) = struct.unpack_from("<H", data, offset + 24)
    if magic != 0x20B:
        return f"optional header magic {magic:#x}: not PE32+"
    missing = [dll for dll in pe_imports(data, offset) if not is_system_dll(dll)]
    if missing:
        return f"needs DLLs that Windows does not ship: {', '.join(missing)} (link them statically)"
    return None


# DLLs every Windows 10 or later has (the Universal CRT and API sets included).
SYSTEM_DLLS = {
    "advapi32.dll", "bcrypt.dll", "bcryptprimitives.dll", "crypt32.dll", "kernel32.dll",
    "msvcrt.dll", "ntdll.dll", "ole32.dll", "secur32.dll", "shell32.dll", "ucrtbase.dll",
    "user32.dll", "userenv.dll", "ws2_32.dll",
}


def is_system_dll(name):
    name = name.lower()
    return name in SYSTEM_DLLS or name.startswith(("api-ms-win-", "ext-ms-win-"))


def pe_imports(data, offset):
    """Names of the DLLs in a PE32+ file's import directory."""
    _, sections, _, _, _, optional_size, _ = struct.unpack_from("<HHIIIHH", data, offset + 4)
    optional = offset + 24
    import_rva, _ = struct.unpack_from("<II", data, optional + 112 + 8)  # data directory 1
    table = []
    for i in range(sections):
        _, virtual_size, address, raw_size, raw = struct.unpack_from(
            "<8sIIII", data, optional + optional_size + 40 * i
        )
        table.append((address, max(virtual_size, raw_size), raw))

    def at(rva):
        for address, size, raw in table:
            if address <= rva < address + size:
                return rva - address + raw
        raise ValueError(f"RVA {rva:#x} is in no section")

    names, entry = [], at(import_rva) if import_rva else None
    while entry is not None:
        name_rva = struct.unpack_from("<IIIII", data, entry)[3]
        if name_rva == 0:
            break
        start = at(name_rva)
        names.append(data[start : data.index(b"\0", start)].decode("ascii"))
        entry += 20
    return names


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, platform = sys.argv[1:]
    os_name, _, arch = platform.partition("-")
    check = {"linux": elf, "darwin": macho, "windows": pe}.get(os_name)
    if check is None or arch not in {"linux": ELF_MACHINE, "darwin": MACHO_CPU, "windows": PE_MACHINE}[os_name]:
        sys.exit(f"binary-format: unknown platform {platform}")
    with open(path, "rb") as f:
        data = f.read()
    problem = check(data, arch)
    if problem:
        print(f"binary-format: {path}: {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"binary-format: {path}: {platform} executable ({len(data)} bytes)")


if __name__ == "__main__":
    main()
