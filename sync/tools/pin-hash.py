#!/usr/bin/env python3
# Prints the Argon2id hash of a staff PIN in libsodium's crypto_pwhash_str format (interactive limits,
# as balie-coa and the store use), for bundles and location configurations made by scripts and tests
# (tests/image/production-boot.sh, scripts/demo-coa.sh). Usage: pin-hash.py PIN
import ctypes
import ctypes.util
import sys

if len(sys.argv) != 2 or not sys.argv[1].isdigit():
    sys.exit("usage: pin-hash.py PIN (digits)")
lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if lib.sodium_init() < 0:
    sys.exit("libsodium failed to initialise")
out = ctypes.create_string_buffer(128)
pin = sys.argv[1].encode()
if lib.crypto_pwhash_str_alg(out, pin, ctypes.c_ulonglong(len(pin)), ctypes.c_ulonglong(2),
                             ctypes.c_size_t(64 * 1024 * 1024), 2) != 0:
    sys.exit("crypto_pwhash_str failed")
print(out.value.decode())
