package io.freshet.core.internal;

import java.nio.charset.StandardCharsets;

/**
 * A 64-bit hash that never changes across JVMs or releases: FNV-1a over the UTF-8 bytes, then the MurmurHash3
 * 64-bit finaliser to spread the bits. Stores keep it in their header; a golden-value test pins it.
 *
 * <p>Internal: not part of the public API.
 */
public final class Fingerprint {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Fingerprint() {
    }

    /**
     * @param canonical the canonical form
     * @return its fingerprint
     */
    public static long of(String canonical) {
        long h = FNV_OFFSET;
        for (byte b : canonical.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return mix64(h);
    }

    /**
     * The MurmurHash3 fmix64 finaliser: a bijective mix used for fingerprints and HyperLogLog hashing.
     *
     * @param k input
     * @return mixed bits
     */
    public static long mix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
