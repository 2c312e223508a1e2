"""Runs Xen's pygrub on one menu file and prints what it read and what it would boot.

Usage: pygrub_parse.py PYGRUB_SCRIPT grub|grub2 MENU_FILE

pygrub itself is loaded as a module (its __main__ part does not run) and its run_grub() is
called non-interactively with a stand-in for the guest filesystem that holds only the menu
file, at /boot/grub/menu.lst (grub) or /boot/grub/grub.cfg (grub2), so pygrub picks its
parser, reads the file and selects the entry with its own code.

Output, one record a line, strings as hex of their UTF-8 bytes, "-" for None:
  entry TITLE ROOT KERNEL ARGS INITRD   (ROOT: "-" or "DISK,PART", PART "-" if none)
  default INDEX                         (the index pygrub boots)
  chosen KERNEL RAMDISK ARGS            (what pygrub hands to the domain builder)
  error TEXT                            (pygrub raised: TEXT is the exception)
"""
import importlib.machinery
import importlib.util
import logging
import sys

logging.disable(logging.CRITICAL)


def enc(value):
    if value is None:
        return "-"
    return str(value).encode("utf-8").hex() or "''"


def root_of(image):
    root = image.root
    if root is None:
        return "-"
    part = "-" if root.part is None else str(root.part)
    return "%d,%s" % (root.disk, part)


class MenuFile:
    def __init__(self, data):
        self.data = data

    def read(self, size, offset=0):
        return self.data[offset:offset + size]


class OneFileFs:
    def __init__(self, name, data):
        self.name, self.data = name, data

    def file_exists(self, path):
        return path == self.name

    def open_file(self, path):
        return MenuFile(self.data)


def main():
    script, kind, menu = sys.argv[1:4]
    loader = importlib.machinery.SourceFileLoader("pygrub_script", script)
    spec = importlib.util.spec_from_loader("pygrub_script", loader)
    pygrub = importlib.util.module_from_spec(spec)
    loader.exec_module(pygrub)
    pygrub.interactive = False
    pygrub.list_entries = False
    name = "/boot/grub/grub.cfg" if kind == "grub2" else "/boot/grub/menu.lst"
    with open(menu, "rb") as f:
        data = f.read()
    try:
        chosen = pygrub.run_grub(menu, None, OneFileFs(name, data), "")
    except Exception as e:  # pygrub's own failure is a result too
        print("error", enc("%s: %s" % (type(e).__name__, e)))
        return
    images = pygrub.g.cf.images
    for i in images:
        kernel = i.kernel[1] if i.kernel else None
        initrd = i.initrd[1] if i.initrd else None
        print("entry", enc(i.title), root_of(i), enc(kernel), enc(i.args), enc(initrd))
    sel = pygrub.sel
    print("default", sel if 0 <= sel < len(images) else 0)
    print("chosen", enc(chosen["kernel"]), enc(chosen["ramdisk"]), enc(chosen["args"]))


main()
