#!/usr/bin/env python3
"""Disassembles the machine code C2 prints, for reading a Vector API kernel's loop.

JDK 25 prints compiled code as hex when no hsdis library loads (Debian's libhsdis0-fcml does
not load in it). This feeds one printed method through objdump (binutils) instead.

  java ... -XX:CompileCommand=print,dev.turbo4j.core.kernel.PanelGemm::accumulate4 ... > out.txt
  scripts/c2-asm.py out.txt            # lists the printed methods, numbered
  scripts/c2-asm.py out.txt 5          # disassembles method 5 (Intel syntax)

Look for the loop's back edge (a jump to a lower address) and, inside the loop, loads and
stores at [rsp+...]: those are spilled registers.
"""
import re
import subprocess
import sys
import tempfile


def methods(text):
    """(header, hex body) of every printed method, in order."""
    parts = text.split('[MachCode]')
    for i in range(len(parts) - 1):
        headers = re.findall(r'Compiled method \((c\d)\)\s+\d+\s+(\d+)\s+(%?)\s+\d+\s+(\S+)', parts[i])
        yield (headers[-1] if headers else None), parts[i + 1].split('[/MachCode]')[0]


def code_bytes(body):
    """The start address and the bytes of a [MachCode] block (gaps filled with nops)."""
    data, start = bytearray(), None
    for line in body.splitlines():
        m = re.match(r'\s*(0x[0-9a-f]+):\s+([0-9a-f |]+)$', line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        if start is None:
            start = addr
        if addr < start + len(data):
            continue
        data += b'\x90' * (addr - start - len(data))
        data += bytes.fromhex(m.group(2).replace('|', '').replace(' ', ''))
    return start, bytes(data)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    found = list(methods(open(sys.argv[1]).read()))
    if len(sys.argv) < 3:
        for i, (header, body) in enumerate(found):
            print(i, ' '.join(header) if header else '?', f'{len(body)} chars')
        return
    start, data = code_bytes(found[int(sys.argv[2])][1])
    with tempfile.NamedTemporaryFile(suffix='.bin') as f:
        f.write(data)
        f.flush()
        out = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', '-Mintel',
                              f'--adjust-vma={start}', f.name], capture_output=True, text=True, check=True)
    print(out.stdout)


if __name__ == '__main__':
    main()
