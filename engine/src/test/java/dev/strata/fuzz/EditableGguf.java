package dev.strata.fuzz;

import dev.strata.gguf.GgmlType;
import dev.strata.gguf.GgufArray;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.GgufOutput;
import dev.strata.gguf.GgufValueType;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file opened for editing: its metadata as typed values and its tensors as header fields plus data bytes,
 * written back out as a new file with whatever inconsistencies the edits made. Unlike {@link
 * dev.strata.gguf.GgufWriter} it checks nothing, so it can write every kind of broken file a fuzzer wants. Tensor
 * data stays a view of the source file until written, so a real model is never copied into memory.
 */
final class EditableGguf {
    record Value(GgufValueType type, Object value) {}

    /** Where a written file's data section starts, and the byte ranges of its big arrays (the tokenizer's). */
    record Layout(long dataOffset, List<long[]> bigArrays) {
        boolean inBigArray(long offset) {
            return bigArrays.stream().anyMatch(range -> offset >= range[0] && offset < range[1]);
        }
    }

    /** Arrays longer than this count as big: token lists, scores, merges. */
    private static final int BIG_ARRAY = 1000;

    static final class Tensor {
        String name;
        long[] dims;
        GgmlType type;
        MemorySegment data;

        Tensor(String name, long[] dims, GgmlType type, MemorySegment data) {
            this.name = name;
            this.dims = dims;
            this.type = type;
            this.data = data;
        }
    }

    final Map<String, Value> metadata = new LinkedHashMap<>();
    final List<Tensor> tensors = new ArrayList<>();

    /** Tensor data are views of {@code source}, valid while it is open. */
    static EditableGguf of(GgufFile source) {
        EditableGguf edit = new EditableGguf();
        for (String key : source.metadata().keySet()) {
            edit.metadata.put(key, new Value(source.type(key).orElseThrow(), source.metadata().get(key)));
        }
        for (GgufFile.TensorInfo info : source.tensors()) {
            edit.tensors.add(new Tensor(info.name(), info.dims(), info.type(), source.data(info)));
        }
        return edit;
    }

    Tensor tensor(String name) {
        return tensors.stream().filter(t -> t.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no tensor " + name));
    }

    long alignment() {
        Value value = metadata.get(GgufFile.ALIGNMENT_KEY);
        return value != null && value.value() instanceof Long a && a > 0 && Long.bitCount(a) == 1 ? a : 32;
    }

    /** Writes the file, data packed to {@link #alignment()}. */
    Layout write(Path target) throws IOException {
        long alignment = alignment();
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            GgufOutput out = new GgufOutput(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
            out.u32(0x46554747);
            out.u32(3);
            out.u64(tensors.size());
            out.u64(metadata.size());
            List<long[]> bigArrays = new ArrayList<>();
            for (var entry : metadata.entrySet()) {
                out.string(entry.getKey());
                out.u32(entry.getValue().type().id());
                long start = out.written();
                out.value(entry.getValue().type(), entry.getValue().value());
                if (entry.getValue().value() instanceof GgufArray array && array.size() > BIG_ARRAY) {
                    bigArrays.add(new long[] {start, out.written()});
                }
            }
            long offset = 0;
            for (Tensor tensor : tensors) {
                out.string(tensor.name);
                out.u32(tensor.dims.length);
                for (long dim : tensor.dims) {
                    out.u64(dim);
                }
                out.u32(tensor.type.id());
                out.u64(offset);
                offset += tensor.data.byteSize() + padding(tensor.data.byteSize(), alignment);
            }
            out.zeros(padding(out.written(), alignment));
            long dataOffset = out.written();
            out.flush();
            for (Tensor tensor : tensors) {
                ByteBuffer data = tensor.data.asByteBuffer();
                while (data.hasRemaining()) {
                    channel.write(data);
                }
                channel.write(ByteBuffer.allocate((int) padding(tensor.data.byteSize(), alignment)));
            }
            return new Layout(dataOffset, bigArrays);
        }
    }

    private static long padding(long offset, long alignment) {
        return (alignment - offset % alignment) % alignment;
    }
}
