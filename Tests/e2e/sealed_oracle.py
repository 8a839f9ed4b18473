"""An independent reader of Zamin's sealed bids, in pure Python (hashlib and hmac only), for
test_tenders.py: it rebuilds a tender's private key from committee shares and opens the stored
ciphertexts as the README's "Security" section describes the scheme — nothing here calls Zamin.

- Shamir's secret sharing over GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, one
  polynomial per byte, share i the value at x = i (Shamir 1979): Lagrange interpolation at 0;
- X25519 (RFC 7748 §5, the Montgomery ladder), checked against the RFC's own test vector;
- HPKE base mode open (RFC 9180 §5.1, §5.2): DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
  ChaCha20-Poly1305 (RFC 8439, checked against its §2.8.2 vector).
Slow (pure Python) but a few dozen bids take well under a second."""
import base64
import hashlib
import hmac
import struct

# MARK: - share texts: zamin-share:<tender>:<index>:<base64url bytes>:<checksum>


def parse_share(text):
    """(tender, index, bytes) of a share text."""
    prefix, tender, index, encoded, checksum = text.strip().split(":")
    assert prefix == "zamin-share"
    return tender, int(index), base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def share_text(tender, index, data):
    """A share text with a checksum that holds: SHA-256's first 4 bytes, hex, over
    "<tender>:<index>:<base64url bytes>" (catches typing errors; anyone can compute it)."""
    encoded = base64.urlsafe_b64encode(data).decode().rstrip("=")
    checksum = hashlib.sha256(f"{tender}:{index}:{encoded}".encode()).hexdigest()[:8]
    return f"zamin-share:{tender}:{index}:{encoded}:{checksum}"


# MARK: - GF(2^8)


def gf_mul(a, b):
    product = 0
    while b:
        if b & 1:
            product ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return product


def gf_inverse(a):
    # a^254 = a^-1 in GF(2^8)
    result, power, exponent = 1, a, 254
    while exponent:
        if exponent & 1:
            result = gf_mul(result, power)
        power = gf_mul(power, power)
        exponent >>= 1
    return result


def shamir_combine(points):
    """The secret (f(0) per byte) from [(x, bytes)] by Lagrange interpolation over GF(2^8)."""
    length = len(points[0][1])
    secret = bytearray(length)
    for j, (xj, yj) in enumerate(points):
        # l_j(0) = prod_{m != j} x_m / (x_m - x_j); subtraction is XOR.
        numerator, denominator = 1, 1
        for m, (xm, _) in enumerate(points):
            if m != j:
                numerator = gf_mul(numerator, xm)
                denominator = gf_mul(denominator, xm ^ xj)
        coefficient = gf_mul(numerator, gf_inverse(denominator))
        for i in range(length):
            secret[i] ^= gf_mul(coefficient, yj[i])
    return bytes(secret)


# MARK: - X25519 (RFC 7748)

P25519 = 2**255 - 19


def x25519(scalar, u_bytes):
    k = bytearray(scalar)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    u = int.from_bytes(u_bytes, "little") & ((1 << 255) - 1)
    x1, x2, z2, x3, z3, swap = u, 1, 0, u, 1, 0
    for t in reversed(range(255)):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % P25519, (x2 - z2) % P25519
        aa, bb = a * a % P25519, b * b % P25519
        e = (aa - bb) % P25519
        c, d = (x3 + z3) % P25519, (x3 - z3) % P25519
        da, cb = d * a % P25519, c * b % P25519
        x3, z3 = (da + cb) ** 2 % P25519, x1 * (da - cb) ** 2 % P25519
        x2, z2 = aa * bb % P25519, e * (aa + 121665 * e) % P25519
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P25519 - 2, P25519) % P25519).to_bytes(32, "little")


def x25519_public(private):
    return x25519(private, (9).to_bytes(32, "little"))


# MARK: - ChaCha20-Poly1305 (RFC 8439)

MASK = 0xFFFFFFFF


def _chacha_block(key, counter, nonce):
    def rotl(v, c):
        return ((v << c) & MASK) | (v >> (32 - c))

    def quarter(s, a, b, c, d):
        s[a] = (s[a] + s[b]) & MASK; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & MASK; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & MASK; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & MASK; s[b] = rotl(s[b] ^ s[c], 7)

    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *struct.unpack("<8I", key), counter, *struct.unpack("<3I", nonce)]
    working = state[:]
    for _ in range(10):
        quarter(working, 0, 4, 8, 12); quarter(working, 1, 5, 9, 13); quarter(working, 2, 6, 10, 14); quarter(working, 3, 7, 11, 15)
        quarter(working, 0, 5, 10, 15); quarter(working, 1, 6, 11, 12); quarter(working, 2, 7, 8, 13); quarter(working, 3, 4, 9, 14)
    return struct.pack("<16I", *[(w + s) & MASK for w, s in zip(working, state)])


def _chacha20(key, counter, nonce, data):
    out = bytearray()
    for block in range(0, len(data), 64):
        stream = _chacha_block(key, counter + block // 64, nonce)
        out.extend(a ^ b for a, b in zip(data[block:block + 64], stream))
    return bytes(out)


def _poly1305(key, message):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:32], "little")
    p, accumulator = (1 << 130) - 5, 0
    for i in range(0, len(message), 16):
        accumulator = (accumulator + int.from_bytes(message[i:i + 16] + b"\x01", "little")) * r % p
    return ((accumulator + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def _mac_data(aad, ciphertext):
    def pad(data):
        return b"\x00" * (-len(data) % 16)
    return aad + pad(aad) + ciphertext + pad(ciphertext) + struct.pack("<QQ", len(aad), len(ciphertext))


def aead_seal(key, nonce, aad, plaintext):
    ciphertext = _chacha20(key, 1, nonce, plaintext)
    return ciphertext + _poly1305(_chacha_block(key, 0, nonce)[:32], _mac_data(aad, ciphertext))


def aead_open(key, nonce, aad, sealed):
    """The plaintext, or None when the tag does not hold."""
    ciphertext, tag = sealed[:-16], sealed[-16:]
    if not hmac.compare_digest(_poly1305(_chacha_block(key, 0, nonce)[:32], _mac_data(aad, ciphertext)), tag):
        return None
    return _chacha20(key, 1, nonce, ciphertext)


# MARK: - HPKE base mode (RFC 9180), suite 0x0020 / 0x0001 / 0x0003

KEM_SUITE = b"KEM" + (0x0020).to_bytes(2, "big")
HPKE_SUITE = b"HPKE" + (0x0020).to_bytes(2, "big") + (0x0001).to_bytes(2, "big") + (0x0003).to_bytes(2, "big")


def _extract(salt, ikm):
    return hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()


def _expand(prk, info, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _labeled_extract(suite, salt, label, ikm):
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite, prk, label, info, length):
    return _expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def hpke_open(private, sealed, info, aad):
    """Opens `enc || ciphertext` (the first message of a base-mode context); None if it does not."""
    enc, ciphertext = sealed[:32], sealed[32:]
    public = x25519_public(private)
    dh = x25519(private, enc)
    eae_prk = _labeled_extract(KEM_SUITE, b"", b"eae_prk", dh)
    shared_secret = _labeled_expand(KEM_SUITE, eae_prk, b"shared_secret", enc + public, 32)
    psk_id_hash = _labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(HPKE_SUITE, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = _labeled_extract(HPKE_SUITE, shared_secret, b"secret", b"")
    key = _labeled_expand(HPKE_SUITE, secret, b"key", context, 32)
    nonce = _labeled_expand(HPKE_SUITE, secret, b"base_nonce", context, 12)
    return aead_open(key, nonce, aad, ciphertext)


def self_check():
    """The primitives against their RFCs' vectors: RFC 7748 §6.1 and RFC 8439 §2.8.2."""
    alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    assert x25519_public(alice).hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    bob_public = bytes.fromhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    assert x25519(alice, bob_public).hex() == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    key = bytes(range(0x80, 0xA0))
    nonce = bytes.fromhex("070000004041424344454647")
    aad = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
    plaintext = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
                 b"sunscreen would be it.")
    sealed = aead_seal(key, nonce, aad, plaintext)
    assert sealed[:16].hex() == "d31a8d34648e60db7b86afbc53ef7ec2"
    assert sealed[-16:].hex() == "1ae10b594f09e26a7e902ecbd0600691"
    assert aead_open(key, nonce, aad, sealed) == plaintext
    assert aead_open(key, nonce, aad + b"x", sealed) is None
