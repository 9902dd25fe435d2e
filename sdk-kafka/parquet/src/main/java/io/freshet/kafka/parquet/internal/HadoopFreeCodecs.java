package io.freshet.kafka.parquet.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Page codecs without Hadoop: parquet-java's own {@code CodecFactory} loads Hadoop's compression classes when it is
 * built (even for {@code UNCOMPRESSED}), so the Hadoop-free route needs a factory of its own. Parquet's SNAPPY is the
 * raw Snappy block format (snappy-java's {@link Snappy#compress(byte[])}), as parquet-java, pyarrow and Spark write
 * and read it. Allocates per page, never per row. Not thread-safe, as a writer's factory need not be.
 */
public final class HadoopFreeCodecs implements CompressionCodecFactory {
    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new Compressor(codec, false);
            case SNAPPY -> new Compressor(codec, true);
            default -> throw unsupported(codec);
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new Decompressor(false);
            case SNAPPY -> new Decompressor(true);
            default -> throw unsupported(codec);
        };
    }

    private static IllegalArgumentException unsupported(CompressionCodecName codec) {
        return new IllegalArgumentException("page codec " + codec + " is not supported without Hadoop here: use "
            + "SNAPPY or UNCOMPRESSED");
    }

    @Override
    public void release() {
        // Nothing pooled.
    }

    private static final class Compressor implements BytesInputCompressor {
        private final CompressionCodecName codec;
        private final boolean snappy;

        Compressor(CompressionCodecName codec, boolean snappy) {
            this.codec = codec;
            this.snappy = snappy;
        }

        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
            return snappy ? BytesInput.from(Snappy.compress(bytes.toByteArray())) : bytes;
        }

        @Override
        public CompressionCodecName getCodecName() {
            return codec;
        }

        @Override
        public void release() {
            // Nothing pooled.
        }
    }

    private static final class Decompressor implements BytesInputDecompressor {
        private final boolean snappy;

        Decompressor(boolean snappy) {
            this.snappy = snappy;
        }

        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            if (!snappy) {
                return bytes;
            }
            byte[] in = bytes.toByteArray();
            byte[] out = new byte[uncompressedSize];
            int n = Snappy.uncompress(in, 0, in.length, out, 0);
            if (n != uncompressedSize) {
                throw new IOException("a Snappy page holds " + n + " bytes, its header says " + uncompressedSize);
            }
            return BytesInput.from(out);
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
            throws IOException {
            byte[] in = new byte[compressedSize];
            input.get(in);
            output.put(decompress(BytesInput.from(in), uncompressedSize).toByteBuffer());
        }

        @Override
        public void release() {
            // Nothing pooled.
        }
    }
}
